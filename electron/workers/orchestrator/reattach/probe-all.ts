import type { OrchestratorContext } from '../context.js';
import type { HelperResult } from '../docker/engine.js';
import { ownLabels } from '../docker/labels.js';
import { parseProbe, probeScript, type ProbeOutcome } from '../net/arp-probe.js';

/** A static address of one vPLC to probe on the moved parent before it joins the new network. */
export type ParentProbe = { vplc: string; vnic: string; ip: string; ownMac: string };

/** Static vNICs whose address another device answered for, by vNIC, for one vPLC. */
export type Conflicts = ReadonlyMap<string, { ip: string; mac: string }>;

const TAG = /^p(\d+) (.*)$/;

/**
 * One script probing every address at once: each probe (net/arp-probe.ts `probeScript`) runs in the background with
 * its output lines tagged `p<i> `, so one helper serves all of a parent's static vNICs within one window.
 */
export function probeAllScript(iface: string, ips: readonly string[], windowMs: number): string {
  const lines = ips.map((ip, i) => `(\n${probeScript(iface, ip, windowMs)}\n) 2>&1 | sed 's/^/p${i} /' &`);
  return [...lines, 'wait'].join('\n');
}

/** Splits the tagged output back into one helper result per address and reads each as a single probe would. */
export function parseProbeAll(ips: readonly string[], r: HelperResult): ProbeOutcome[] {
  const out = ips.map(() => [] as string[]);
  for (const line of r.stdout.split('\n')) {
    const m = TAG.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out[Number(m[1])]?.push(m[2]);
  }
  return ips.map((ip, i) => {
    const lines = out[i] ?? [];
    if (!lines.length) return { kind: 'error', reason: `ARP probe for ${ip} failed: ${r.stderr.trim() || `no output (exit ${r.exitCode})`}` };
    return parseProbe(ip, { exitCode: r.exitCode, stdout: lines.join('\n'), stderr: '' });
  });
}

/**
 * docs/decisions.md "ARP probe" at re-attach for every running vPLC on a moved parent, in ONE host-network helper
 * (NET_RAW only) instead of one per vPLC: the probes overlap the old network's teardown, where each extra helper
 * container competes with the disconnects for the engine. Per vPLC the outcome is what a single probe gives: its own
 * MAC answering is not a conflict, a probe that could not run leaves a warning on that vPLC and counts as no conflict.
 * Never rejects.
 */
export async function probeParent(ctx: OrchestratorContext, iface: string, targets: readonly ParentProbe[]): Promise<Map<string, Conflicts>> {
  const byVplc = new Map<string, Map<string, { ip: string; mac: string }>>();
  for (const t of targets) {
    byVplc.set(t.vplc, new Map());
    for (const key of ['arp:helper', `arp:${t.vnic}`]) ctx.warnings.clear(t.vplc, key);
  }
  const windowMs = ctx.settings.arpProbeMs;
  if (windowMs <= 0 || targets.length === 0) return byVplc;
  const outcomes = await run(ctx, iface, targets, windowMs);
  for (const [i, t] of targets.entries()) {
    const r = outcomes[i] ?? { kind: 'error', reason: 'no outcome' };
    if (r.kind === 'conflict' && r.mac !== t.ownMac.toLowerCase()) byVplc.get(t.vplc)?.set(t.vnic, { ip: r.ip, mac: r.mac });
    if (r.kind !== 'error') continue;
    ctx.log.warn('IP conflict check could not run', { vplc: t.vplc, vnic: t.vnic, reason: r.reason });
    ctx.warnings.set(t.vplc, `arp:${t.vnic}`, `IP conflict check of vNIC '${t.vnic}' could not run: ${r.reason}`);
  }
  return byVplc;
}

async function run(ctx: OrchestratorContext, iface: string, targets: readonly ParentProbe[], windowMs: number): Promise<ProbeOutcome[]> {
  const ips = targets.map((t) => t.ip);
  try {
    const image = await ctx.helper.image();
    const r = await ctx.engine.runOnHost(image, probeAllScript(iface, ips, windowMs), ownLabels(ctx.store.installationId, 'helper', {}), ['NET_RAW']);
    return parseProbeAll(ips, r);
  } catch (err) {
    return ips.map((ip) => ({ kind: 'error', reason: `ARP probe for ${ip} could not run: ${(err as Error).message}` }));
  }
}

/**
 * Gathers the probes of one parent's move: each vPLC's job (in its own executor queue, where it reads whether the
 * vPLC runs) submits its static addresses, and one helper probes them all once every job has submitted, or once
 * `maxWaitMs` passed since the first (a job queued late is then probed on its own). Every job submits or skips
 * exactly once; nothing rejects.
 */
export class ProbeBatch {
  private left: number;
  private queued: Array<{ vplc: string; targets: readonly ParentProbe[]; resolve: (c: Conflicts) => void }> = [];
  private timer: NodeJS.Timeout | null = null;
  private flushed = false;

  constructor(
    private readonly ctx: OrchestratorContext,
    private readonly iface: string,
    expected: number,
    private readonly maxWaitMs = 1_000,
  ) {
    this.left = expected;
  }

  submit(vplc: string, targets: readonly ParentProbe[]): Promise<Conflicts> {
    const p = new Promise<Conflicts>((resolve) => this.queued.push({ vplc, targets, resolve }));
    this.countDown();
    return p;
  }

  /** A job that ends before it could submit (container gone, inspect failed). */
  skip(): void {
    this.countDown();
  }

  private countDown(): void {
    this.left--;
    if (this.flushed || this.left <= 0) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushed = true;
    const batch = this.queued;
    this.queued = [];
    if (!batch.length) return;
    const targets = batch.flatMap((b) => b.targets);
    void probeParent(this.ctx, this.iface, targets).then(
      (byVplc) => batch.forEach((b) => b.resolve(byVplc.get(b.vplc) ?? new Map())),
      (err: unknown) =>
        batch.forEach((b) => {
          this.ctx.warnings.set(b.vplc, 'arp:helper', `IP conflicts were not checked: ${(err as Error).message}`);
          b.resolve(new Map());
        }),
    );
  }
}
