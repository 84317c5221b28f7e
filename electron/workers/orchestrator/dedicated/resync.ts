/** What the start-up resync does for one vPLC's dedicated NIC (docs/host-nics.md "Dedicated NICs"). */
export type ResyncAction =
  /** The vPLC runs: check the NIC is inside and up, move it when it is not. */
  | { vplc: string; nic: string; action: 'ensure' }
  /** The vPLC exists but is stopped: the NIC belongs on the host until its next start. */
  | { vplc: string; nic: string; action: 'idle' }
  /** The vPLC is gone: hand the NIC back if it can be found, and drop the entry. */
  | { vplc: string; nic: string; action: 'forget' };

export type ResyncInput = {
  /** `dedicated_nics.json`. */
  entries: ReadonlyArray<readonly [string, string]>;
  /** Live desired specs that name a dedicated NIC (a failed move dropped the entry; the spec still wants it). */
  wanted: ReadonlyArray<readonly [string, string]>;
  /** Each vPLC's container: running or not; absent = no container. */
  containers: ReadonlyMap<string, { running: boolean }>;
  /** Whether the vPLC is still known (a live desired record). */
  known: (vplc: string) => boolean;
};

/** One action per vPLC: the entry wins over the spec (it is what was moved); a vPLC gone everywhere is forgotten. Pure. */
export function resyncPlan(i: ResyncInput): ResyncAction[] {
  const nics = new Map<string, { nic: string; entry: boolean }>();
  for (const [vplc, nic] of i.wanted) nics.set(vplc, { nic, entry: false });
  for (const [vplc, nic] of i.entries) nics.set(vplc, { nic, entry: true });
  const out: ResyncAction[] = [];
  for (const [vplc, { nic, entry }] of [...nics].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const c = i.containers.get(vplc);
    if (!c) {
      if (entry && !i.known(vplc)) out.push({ vplc, nic, action: 'forget' });
      else out.push({ vplc, nic, action: 'idle' });
      continue;
    }
    out.push({ vplc, nic, action: c.running ? 'ensure' : 'idle' });
  }
  return out;
}
