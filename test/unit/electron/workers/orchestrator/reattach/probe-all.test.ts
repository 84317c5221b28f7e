import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { OrchestratorContext } from '../../../../../../electron/workers/orchestrator/context.js';
import type { HelperResult } from '../../../../../../electron/workers/orchestrator/docker/engine.js';
import { parseProbeAll, ProbeBatch, probeAllScript } from '../../../../../../electron/workers/orchestrator/reattach/probe-all.js';

const HOLDER = '02:00:00:00:00:99';

// A stand-in `arping` on PATH: .61 is held by another device (reply, exit 1); any other address stays quiet until
// the probe's window kills it, as busybox arping -D does.
const bin = mkdtempSync(path.join(tmpdir(), 'probe-all-'));
writeFileSync(
  path.join(bin, 'arping'),
  `#!/bin/sh\nfor a; do ip=$a; done\ncase $ip in *.61) echo "Unicast reply from $ip [${HOLDER}] 0.1ms"; exit 1;; esac\nexec sleep 5\n`,
);
chmodSync(path.join(bin, 'arping'), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function runScript(script: string): HelperResult {
  const stdout = execFileSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
  return { exitCode: 0, stdout, stderr: '' };
}

describe('one ARP probe helper for every static address on a moved parent', () => {
  it('runs the probes side by side and reads each answer back to its own address', () => {
    const ips = ['198.18.0.60', '198.18.0.61', '198.18.0.62'];
    const outcomes = parseProbeAll(ips, runScript(probeAllScript('vt0a', ips, 50)));
    expect(outcomes).toEqual([{ kind: 'free' }, { kind: 'conflict', ip: '198.18.0.61', mac: HOLDER }, { kind: 'free' }]);
  });

  it('reports an address with no output as an error naming it, never as free', () => {
    const [r] = parseProbeAll(['198.18.0.60'], { exitCode: 125, stdout: '', stderr: 'OCI runtime create failed' });
    expect(r).toEqual({ kind: 'error', reason: 'ARP probe for 198.18.0.60 failed: OCI runtime create failed' });
  });

  it('refuses an interface name that is not one', () => {
    expect(() => probeAllScript('eth0; reboot', ['198.18.0.60'], 50)).toThrow(/not an interface name/);
  });
});

function fakeCtx(stdout: string): { ctx: OrchestratorContext; runOnHost: ReturnType<typeof vi.fn>; warnings: Map<string, string> } {
  const warnings = new Map<string, string>();
  const runOnHost = vi.fn(async (): Promise<HelperResult> => ({ exitCode: 0, stdout, stderr: '' }));
  const ctx = {
    settings: { arpProbeMs: 500 },
    store: { installationId: 'inst' },
    helper: { image: async () => 'helper:1' },
    engine: { runOnHost },
    log: { warn: () => undefined, info: () => undefined, debug: () => undefined, error: () => undefined },
    warnings: { set: (v: string, k: string, t: string) => warnings.set(`${v}/${k}`, t), clear: (v: string, k: string) => warnings.delete(`${v}/${k}`) },
  } as unknown as OrchestratorContext;
  return { ctx, runOnHost, warnings };
}

describe('the probes of one move are gathered into one helper', () => {
  it('probes once every job submitted or skipped; its own MAC answering is no conflict, a failed probe warns', async () => {
    const out = ['p0 arping-exit=143', `p1 Unicast reply from 198.18.0.61 [${HOLDER}] 0.1ms`, 'p1 arping-exit=1', 'p2 Unicast reply from 198.18.0.62 [02:5a:00:00:00:02] 0.1ms', 'p2 arping-exit=1'].join('\n');
    const { ctx, runOnHost, warnings } = fakeCtx(out);
    warnings.set('b/arp:lan', 'stale');
    const batch = new ProbeBatch(ctx, 'vt0a', 4);
    const a = batch.submit('a', [{ vplc: 'a', vnic: 'lan', ip: '198.18.0.60', ownMac: '02:5a:00:00:00:00' }]);
    const b = batch.submit('b', [
      { vplc: 'b', vnic: 'lan', ip: '198.18.0.61', ownMac: '02:5a:00:00:00:01' },
      { vplc: 'b', vnic: 'ot', ip: '198.18.0.62', ownMac: '02:5a:00:00:00:02' },
    ]);
    const c = batch.submit('c', [{ vplc: 'c', vnic: 'lan', ip: '198.18.0.63', ownMac: '02:5a:00:00:00:03' }]);
    expect(runOnHost).not.toHaveBeenCalled();
    batch.skip();
    expect([...(await a)]).toEqual([]);
    expect([...(await b)]).toEqual([['lan', { ip: '198.18.0.61', mac: HOLDER }]]);
    expect([...(await c)]).toEqual([]);
    expect(runOnHost).toHaveBeenCalledTimes(1);
    expect(runOnHost.mock.calls[0]?.[3]).toEqual(['NET_RAW']);
    expect(warnings.get('b/arp:lan')).toBeUndefined();
    expect(warnings.get('c/arp:lan')).toMatch(/^IP conflict check of vNIC 'lan' could not run: ARP probe for 198\.18\.0\.63 failed/);
  });

  it('does not hold early jobs for one that never comes: the rest is probed after the wait, a late one alone', async () => {
    vi.useFakeTimers();
    try {
      const { ctx, runOnHost } = fakeCtx('p0 arping-exit=143');
      const batch = new ProbeBatch(ctx, 'vt0a', 3, 1_000);
      const a = batch.submit('a', [{ vplc: 'a', vnic: 'lan', ip: '198.18.0.60', ownMac: '02:5a:00:00:00:00' }]);
      await vi.advanceTimersByTimeAsync(1_000);
      expect([...(await a)]).toEqual([]);
      expect(runOnHost).toHaveBeenCalledTimes(1);
      const late = batch.submit('b', [{ vplc: 'b', vnic: 'lan', ip: '198.18.0.61', ownMac: '02:5a:00:00:00:01' }]);
      expect([...(await late)]).toEqual([]);
      expect(runOnHost).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('probes nothing when the probe is off', async () => {
    const { ctx, runOnHost } = fakeCtx('');
    (ctx.settings as { arpProbeMs: number }).arpProbeMs = 0;
    const batch = new ProbeBatch(ctx, 'vt0a', 1);
    expect([...(await batch.submit('a', [{ vplc: 'a', vnic: 'lan', ip: '198.18.0.60', ownMac: '02:5a:00:00:00:00' }]))]).toEqual([]);
    expect(runOnHost).not.toHaveBeenCalled();
  });
});
