import { existsSync, readFileSync } from 'node:fs';
import type { DedicatedNicState, DedicatedNicWord } from '../../../../shared/domain/host-nic.js';
import { sleep } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import type { HostStep } from '../hostnet/host-steps.js';
import { resyncPlan } from './resync.js';
import { ABSENT, INSIDE_UP, moveStep, returnStep, upInsideStep, upOnHostStep } from './scripts.js';

export type DedicatedDeps = Pick<OrchestratorContext, 'engine' | 'store' | 'hostSteps' | 'log' | 'emit' | 'warnings' | 'exec' | 'clock' | 'shutdown'> & {
  /** Whether a NIC of that name is in the host's network namespace (default: /sys/class/net). */
  onHost?: (nic: string) => boolean;
  /** Its MAC while it is on the host (default: /sys/class/net/<nic>/address). */
  hostMac?: (nic: string) => string | null;
  /** How long after a vPLC's `start` event its NIC is moved again (docs/protocol.md §5.11: 1 s). */
  startDelayMs?: number;
};

const WARNING_KEY = 'dedicated-nic';

const sysOnHost = (nic: string): boolean => existsSync(`/sys/class/net/${nic}`);
function sysMac(nic: string): string | null {
  try {
    return readFileSync(`/sys/class/net/${nic}/address`, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

type Tracked = DedicatedNicState & { mac: string | null };

/**
 * Host NICs given whole to a vPLC (docs/host-nics.md "Dedicated NICs"): saved to `dedicated_nics.json` first, moved into
 * the vPLC's network namespace with their name kept, handed back before each of our own stops and on delete, moved
 * again after every start and at agent start.
 *
 * INVARIANTS
 * - Every move or return runs in the vPLC's executor queue: methods named `…Locked` take it, the others expect the
 *   caller to hold it (create, stop, delete pipelines).
 * - Nothing here throws to its caller: failures become the NIC's `error` state, a warning on the vPLC and a journal line.
 * - A failed move drops the file entry (docs/protocol.md §5.11); the spec still names the NIC, so the next start tries again.
 */
export class DedicatedNics {
  private readonly states = new Map<string, Tracked>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly onHost: (nic: string) => boolean;
  private readonly hostMac: (nic: string) => string | null;

  constructor(private readonly d: DedicatedDeps) {
    this.onHost = d.onHost ?? sysOnHost;
    this.hostMac = d.hostMac ?? sysMac;
  }

  /** The NIC a vPLC has or wants: its file entry, else its live spec's. */
  target(vplc: string): string | undefined {
    const entry = this.d.store.getDedicated(vplc);
    if (entry) return entry;
    const desired = this.d.store.getDesired(vplc);
    return desired && !desired.tombstone ? desired.spec?.dedicatedInterface : undefined;
  }

  /** Where a vPLC's dedicated NIC is, for the status and the list; undefined when it has none. */
  view(vplc: string): DedicatedNicState | undefined {
    const s = this.states.get(vplc);
    if (s) return { host_interface: s.host_interface, state: s.state, detail: s.detail, since: s.since };
    const nic = this.target(vplc);
    return nic ? { host_interface: nic, state: 'on_host', detail: 'not checked yet', since: new Date(this.d.clock.now()).toISOString() } : undefined;
  }

  /** Every dedicated NIC with its vPLC and last known MAC (interface lists). */
  owners(): Array<{ nic: string; vplc: string; mac: string | null }> {
    const out = new Map<string, { nic: string; vplc: string; mac: string | null }>();
    for (const vplc of new Set([...this.d.store.dedicatedEntries().map(([n]) => n), ...this.d.store.desiredNames()])) {
      const nic = this.target(vplc);
      if (nic && !out.has(nic)) out.set(nic, { nic, vplc, mac: this.states.get(vplc)?.mac ?? null });
    }
    return [...out.values()];
  }

  /** Whether a host NIC is dedicated to some vPLC: the host's monitor then leaves it alone. */
  isDedicated(nic: string): boolean {
    return this.owners().some((o) => o.nic === nic);
  }

  /**
   * The create's `moving_dedicated_nic` (caller holds the queue): the spec's NIC saved first, then moved when the
   * container runs. A recreate without one (or with another) drops the old entry; the old NIC was handed back at the stop.
   */
  async afterCreate(vplc: string, running: boolean): Promise<void> {
    const nic = this.d.store.getDesired(vplc)?.spec?.dedicatedInterface;
    const entry = this.d.store.getDedicated(vplc);
    try {
      if (entry && entry !== nic) await this.d.store.dropDedicated(vplc);
      if (!nic) {
        this.forgetState(vplc);
        return;
      }
      await this.d.store.putDedicated(vplc, nic);
    } catch (err) {
      this.fail(vplc, nic ?? entry ?? '', `the dedicated-NIC file could not be written: ${(err as Error).message}`);
      return;
    }
    if (running) await this.ensure(vplc);
    else this.set(vplc, nic, 'on_host', 'the vPLC is stopped; the NIC moves at its next start');
  }

  /** Checks the NIC is inside the running vPLC and up, and moves it when it is on the host. Caller holds the queue. */
  async ensure(vplc: string): Promise<void> {
    const nic = this.target(vplc);
    if (!nic) return;
    try {
      const info = await this.d.engine.resolveVplc(vplc, this.d.store.installationId);
      if (!info?.State.Running || !info.State.Pid) {
        this.set(vplc, nic, 'on_host', 'the vPLC is not running');
        return;
      }
      if (!this.d.store.getDedicated(vplc)) await this.d.store.putDedicated(vplc, nic);
      if (!this.onHost(nic)) {
        const r = await this.step(vplc, upInsideStep(nic, info.Id));
        if (r.stdout.includes(INSIDE_UP)) this.set(vplc, nic, 'in_container', null);
        else this.missing(vplc, nic);
        return;
      }
      const mac = this.hostMac(nic);
      this.set(vplc, nic, 'moving', null, mac);
      const moved = await this.step(vplc, moveStep(nic, info.State.Pid));
      if (moved.exitCode !== 0) throw new Error(moved.stderr.trim() || `exit code ${moved.exitCode}`);
      const up = await this.step(vplc, upInsideStep(nic, info.Id));
      if (!up.stdout.includes(INSIDE_UP)) throw new Error(up.stderr.trim() || `${nic} is not inside the vPLC after the move`);
      this.set(vplc, nic, 'in_container', null, mac);
      this.d.warnings.clear(vplc, WARNING_KEY);
      this.d.log.info('dedicated NIC moved into the vPLC', { vplc, nic });
      this.d.emit({ kind: 'changed', name: vplc, reason: 'dedicated-nic', detail: `dedicated NIC ${nic} moved into the vPLC` });
    } catch (err) {
      await this.d.store.dropDedicated(vplc).catch(() => undefined);
      this.fail(vplc, nic, `could not be moved into the vPLC: ${dockerMessage(err)}`);
    }
  }

  /**
   * The vPLC's container stopped without us (a crash, a kill, `docker stop`): its namespace died, so a physical port
   * fell back to the host and a virtual one died with it. The next start moves it again. Caller holds the queue.
   */
  containerDied(vplc: string): void {
    const nic = this.target(vplc);
    if (!nic || this.states.get(vplc)?.state === 'on_host') return;
    this.set(vplc, nic, 'on_host', 'the vPLC stopped; the port fell back to the host and moves again at the next start');
  }

  /**
   * netmon saw a dedicated NIC change on the host. A NIC its running vPLC found missing (a USB port re-plugged, a port
   * that came back after the start's move had run) is moved in now rather than at the next start; any other change
   * is the agent's own doing (a move, a return) and is left alone.
   */
  changedOnHost(nic: string): void {
    const vplc = this.owners().find((o) => o.nic === nic)?.vplc;
    if (vplc === undefined || this.states.get(vplc)?.state !== 'missing' || !this.onHost(nic)) return;
    this.track(this.ensureLocked(vplc));
  }

  /** `ensure` in the vPLC's queue. */
  ensureLocked(vplc: string): Promise<void> {
    return this.d.exec.serial(vplc, () => this.ensure(vplc)).catch((err: unknown) => this.d.log.warn('dedicated NIC check failed', { vplc, err: dockerMessage(err) }));
  }

  /** A vPLC's `start` event (the agent's one Docker subscription): its NIC moves again after the delay. */
  startedEvent(vplc: string): void {
    if (!this.target(vplc)) return;
    this.track(
      // A closing agent leaves it to the next start's resync.
      sleep(this.d.startDelayMs ?? 1_000, this.d.shutdown).then(
        () => (this.d.shutdown.aborted ? undefined : this.ensureLocked(vplc)),
        () => undefined,
      ),
    );
  }

  /**
   * Hands the NIC back to the host before one of our own stops (stop, restart, recreate, delete), so a virtual NIC is
   * not destroyed with the namespace and a physical one comes back up. Best effort; caller holds the queue.
   */
  async handBack(vplc: string, containerId?: string): Promise<void> {
    const nic = this.target(vplc);
    if (!nic) return;
    try {
      const info = containerId ? await this.d.engine.inspectContainer(containerId) : await this.d.engine.resolveVplc(vplc, this.d.store.installationId);
      if (!info?.State.Running) return;
      if (this.onHost(nic)) {
        this.set(vplc, nic, 'on_host', null);
        return;
      }
      this.set(vplc, nic, 'returning', null);
      const r = await this.step(vplc, returnStep(nic, info.Id));
      if (r.exitCode !== 0) throw new Error(r.stderr.trim() || `exit code ${r.exitCode}`);
      if (r.stdout.includes(ABSENT)) {
        this.missing(vplc, nic);
        return;
      }
      await this.step(vplc, upOnHostStep(nic));
      this.set(vplc, nic, 'on_host', null);
      this.d.log.info('dedicated NIC handed back to the host', { vplc, nic });
      this.d.emit({ kind: 'changed', name: vplc, reason: 'dedicated-nic', detail: `dedicated NIC ${nic} handed back to the host` });
    } catch (err) {
      this.fail(vplc, nic, `could not be handed back to the host: ${dockerMessage(err)}`);
    }
  }

  /** Delete's `returning_dedicated_nics`: hand back, then the entry goes in every case. Caller holds the queue. */
  async release(vplc: string): Promise<void> {
    await this.handBack(vplc);
    await this.d.store.dropDedicated(vplc).catch((err: unknown) => this.d.log.warn('dedicated NIC entry not removed', { vplc, err: String(err) }));
    this.forgetState(vplc);
  }

  /** Self-destruct: every entry handed back and dropped, each in its vPLC's queue. */
  async releaseAll(): Promise<void> {
    for (const [vplc] of this.d.store.dedicatedEntries()) await this.d.exec.serial(vplc, () => this.release(vplc)).catch(() => undefined);
  }

  /** Agent start: running vPLCs get their NIC checked (moved when absent), entries of vanished vPLCs are dropped. */
  async resync(): Promise<void> {
    const { store, engine } = this.d;
    const wanted: Array<[string, string]> = [];
    const containers = new Map<string, { running: boolean }>();
    const names = new Set([...store.dedicatedEntries().map(([n]) => n), ...store.desiredNames()]);
    for (const vplc of names) {
      const d = store.getDesired(vplc);
      if (d && !d.tombstone && d.spec?.dedicatedInterface) wanted.push([vplc, d.spec.dedicatedInterface]);
      if (!store.getDedicated(vplc) && !(d?.spec?.dedicatedInterface)) continue;
      const info = await engine.resolveVplc(vplc, store.installationId).catch(() => null);
      if (info) containers.set(vplc, { running: info.State.Running });
    }
    const known = (vplc: string): boolean => store.getDesired(vplc)?.tombstone === false;
    for (const a of resyncPlan({ entries: store.dedicatedEntries(), wanted, containers, known })) {
      if (a.action === 'ensure') await this.ensureLocked(a.vplc);
      else if (a.action === 'idle') this.set(a.vplc, a.nic, 'on_host', 'the vPLC is not running');
      else await this.d.exec.serial(a.vplc, () => this.forgetVanished(a.vplc, a.nic)).catch(() => undefined);
    }
  }

  /** Resolves once every delayed move has run (tests, bench). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private async forgetVanished(vplc: string, nic: string): Promise<void> {
    // Its namespace died with its container: a physical NIC is back on the host, down.
    if (this.onHost(nic)) await this.step(vplc, upOnHostStep(nic)).catch(() => undefined);
    await this.d.store.dropDedicated(vplc).catch(() => undefined);
    this.forgetState(vplc);
    this.d.log.info('dedicated NIC entry of a vanished vPLC dropped', { vplc, nic });
  }

  private missing(vplc: string, nic: string): void {
    const detail = `${nic} is neither on the host nor inside the vPLC`;
    this.set(vplc, nic, 'missing', detail);
    this.d.warnings.set(vplc, WARNING_KEY, `Dedicated NIC ${detail}`);
  }

  private fail(vplc: string, nic: string, why: string): void {
    this.set(vplc, nic, 'error', why);
    this.d.warnings.set(vplc, WARNING_KEY, `Dedicated NIC ${nic} ${why}`);
    this.d.log.warn('dedicated NIC step failed', { vplc, nic, err: why });
    this.d.emit({ kind: 'changed', name: vplc, reason: 'dedicated-nic-failed', detail: `dedicated NIC ${nic} ${why}` });
  }

  private set(vplc: string, nic: string, state: DedicatedNicWord, detail: string | null, mac?: string | null): void {
    const prev = this.states.get(vplc);
    const since = prev && prev.state === state && prev.host_interface === nic ? prev.since : new Date(this.d.clock.now()).toISOString();
    this.states.set(vplc, { host_interface: nic, state, detail, since, mac: mac ?? (prev?.host_interface === nic ? prev.mac : null) });
    if (state === 'in_container' || state === 'on_host') this.d.warnings.clear(vplc, WARNING_KEY);
  }

  private forgetState(vplc: string): void {
    this.states.delete(vplc);
    this.d.warnings.clear(vplc, WARNING_KEY);
  }

  private step(vplc: string, s: Omit<HostStep, 'vplc'>): ReturnType<OrchestratorContext['hostSteps']['run']> {
    return this.d.hostSteps.run({ ...s, vplc });
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }
}
