import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOST_HISTORY_MAX_AGE_S, HostHistory } from '../../../../../../electron/workers/orchestrator/metrics/host-history.js';
import { UsageRings } from '../../../../../../electron/workers/orchestrator/metrics/ring.js';

const NOW = 1_800_000_000;

function recordingLog(): { warn: (msg: string, data?: Record<string, unknown>) => void; lines: Array<{ msg: string; data?: Record<string, unknown> }> } {
  const lines: Array<{ msg: string; data?: Record<string, unknown> }> = [];
  return { lines, warn: (msg, data) => void lines.push({ msg, ...(data ? { data } : {}) }) };
}

describe('HostHistory (host chart history across agent restarts)', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'host-history-'));
    file = path.join(dir, 'usage', 'host.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives a new run the host samples of the previous one, from a real file', async () => {
    const before = new UsageRings({ capacity: 16 });
    before.register('plc1');
    before.append({ ts: NOW - 10, orchestrator: { cpu: 12.34, memory: 2048.06 }, devices: [['plc1', { cpu: 3, memory: 100 }]] });
    before.append({ ts: NOW - 5, orchestrator: { cpu: null, memory: 2050 } });
    await new HostHistory(file, before, recordingLog(), () => NOW).save();

    const after = new UsageRings({ capacity: 16 });
    // The new run's sampler has already taken one tick when the history is read back.
    after.append({ ts: NOW + 5, orchestrator: { cpu: 40, memory: 3000 } });
    const log = recordingLog();
    expect(await new HostHistory(file, after, log, () => NOW + 5).restore()).toBe(2);
    expect(after.query('orchestrator', 'cpu', 0, NOW + 100)).toEqual([
      { timestamp: NOW - 10, cpu: 12 },
      { timestamp: NOW + 5, cpu: 40 },
    ]);
    // Float32 storage: compare at the 0.1 the file keeps.
    const r1 = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
    expect(after.hostTicks(0).map(([ts, cpu, mem]) => [ts, r1(cpu), r1(mem)])).toEqual([
      [NOW - 10, 12.3, 2048.1],
      [NOW - 5, null, 2050],
      [NOW + 5, 40, 3000],
    ]);
    expect(log.lines).toEqual([]);
  });

  it('drops samples older than 48 h when saving and when reading back', async () => {
    const rings = new UsageRings({ capacity: 16 });
    rings.append({ ts: NOW - HOST_HISTORY_MAX_AGE_S - 1, orchestrator: { cpu: 1, memory: 1 } });
    rings.append({ ts: NOW - 60, orchestrator: { cpu: 2, memory: 2 } });
    await new HostHistory(file, rings, recordingLog(), () => NOW).save();
    const saved = JSON.parse(await readFile(file, 'utf8')) as { ticks: unknown[] };
    expect(saved.ticks).toEqual([[NOW - 60, 2, 2]]);

    // A day later the saved tick is still within 48 h; two days later it is not.
    expect(await new HostHistory(file, new UsageRings({ capacity: 16 }), recordingLog(), () => NOW + 86_400).restore()).toBe(1);
    expect(await new HostHistory(file, new UsageRings({ capacity: 16 }), recordingLog(), () => NOW + 2 * 86_400).restore()).toBe(0);
  });

  it('keeps at most one ring of ticks, the newest', async () => {
    const big = new UsageRings({ capacity: 8 });
    for (let i = 0; i < 8; i++) big.append({ ts: NOW - 100 + i, orchestrator: { cpu: i, memory: i } });
    await new HostHistory(file, big, recordingLog(), () => NOW).save();
    const small = new UsageRings({ capacity: 3 });
    small.append({ ts: NOW, orchestrator: { cpu: 99, memory: 99 } });
    expect(await new HostHistory(file, small, recordingLog(), () => NOW).restore()).toBe(2);
    expect(small.hostTicks(0).map((t) => t[0])).toEqual([NOW - 94, NOW - 93, NOW]);
  });

  it('keeps the vPLC series of ticks taken before the history came back', async () => {
    const prev = new UsageRings({ capacity: 8 });
    prev.append({ ts: NOW - 20, orchestrator: { cpu: 5, memory: 5 } });
    await new HostHistory(file, prev, recordingLog(), () => NOW).save();
    const rings = new UsageRings({ capacity: 8 });
    rings.register('plc1');
    rings.append({ ts: NOW, orchestrator: { cpu: 1, memory: 1 }, devices: [['plc1', { cpu: 7, memory: 70 }]] });
    await new HostHistory(file, rings, recordingLog(), () => NOW).restore();
    expect(rings.query({ device: 'plc1' }, 'memory', 0, NOW + 1)).toEqual([{ timestamp: NOW, memory: 70 }]);
    expect(rings.query('orchestrator', 'memory', 0, NOW + 1)).toEqual([
      { timestamp: NOW - 20, memory: 5 },
      { timestamp: NOW, memory: 1 },
    ]);
  });

  it.each([
    ['not JSON', '{"version":1,"ticks":[[1,', /^not JSON/],
    ['a bad field', JSON.stringify({ version: 1, ticks: [[NOW, 'high', 3]] }), /^ticks\.0\.1: /],
  ])('quarantines a corrupt file (%s), reports it and starts empty', async (_what, content, reason) => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    const rings = new UsageRings({ capacity: 8 });
    const log = recordingLog();
    expect(await new HostHistory(file, rings, log, () => NOW).restore()).toBe(0);
    expect(rings.size).toBe(0);
    const names = await readdir(path.dirname(file));
    expect(names).toEqual([`host.json.corrupt-${NOW}`]);
    expect(await readFile(path.join(path.dirname(file), names[0] as string), 'utf8')).toBe(content);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]?.msg).toMatch(/corrupt/);
    expect(log.lines[0]?.data).toMatchObject({ movedTo: path.join(path.dirname(file), `host.json.corrupt-${NOW}`) });
    expect(String(log.lines[0]?.data?.['reason'])).toMatch(reason);
  });
});
