// The usage service keeps the host chart's history across a restart of the service, through a real file in its data
// dir, and sets a corrupt file aside (reported in the log) instead of failing to start.
import { mkdtemp, readdir, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrchestratorContext } from '../../../../../../electron/workers/orchestrator/context.js';
import { UsageRings } from '../../../../../../electron/workers/orchestrator/metrics/ring.js';
import { UsageService } from '../../../../../../electron/workers/orchestrator/metrics/usage-service.js';

let dir: string;
const warnings: string[] = [];
const services: UsageService[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'usage-service-'));
  warnings.length = 0;
});
afterEach(async () => {
  for (const s of services.splice(0)) {
    s.stop();
    await s.flush();
  }
  await rm(dir, { recursive: true, force: true });
});

function service(rings: UsageRings): UsageService {
  const noop = (): void => undefined;
  const ctx = {
    settings: { dataDir: dir },
    log: { debug: noop, info: noop, error: noop, warn: (m: string) => void warnings.push(m) },
    store: { installationId: 'test' },
    engine: { docker: { listContainers: () => Promise.resolve([]) } },
  } as unknown as OrchestratorContext;
  const s = new UsageService(ctx, rings);
  services.push(s);
  return s;
}

describe('UsageService host history', () => {
  it('survives a restart of the service, with a real file', async () => {
    const before = new UsageRings({ capacity: 64 });
    const earlier = Math.floor(Date.now() / 1000) - 600;
    before.append({ ts: earlier, orchestrator: { cpu: 42, memory: 1234 } });
    const first = service(before);
    first.start();
    await first.sampleOnce();
    first.stop();
    await first.flush();
    const saved = JSON.parse(await readFile(path.join(dir, 'usage', 'host.json'), 'utf8')) as { ticks: Array<[number, number | null, number | null]> };
    expect(saved.ticks[0]).toEqual([earlier, 42, 1234]);
    expect(saved.ticks.length).toBe(before.size);

    const after = new UsageRings({ capacity: 64 });
    const second = service(after);
    second.start();
    second.stop();
    // The final save waits for the history to be back in the rings, so it is there once this resolves.
    await second.flush();
    expect(after.query('orchestrator', 'memory', earlier, earlier)).toEqual([{ timestamp: earlier, memory: 1234 }]);
    expect(warnings).toEqual([]);
  });

  it('starts with an empty chart when the file is corrupt, and sets the file aside', async () => {
    await mkdir(path.join(dir, 'usage'), { recursive: true });
    await writeFile(path.join(dir, 'usage', 'host.json'), '{"version":2}');
    const rings = new UsageRings({ capacity: 8 });
    const s = service(rings);
    s.start();
    s.stop();
    await s.flush();
    expect(warnings).toEqual(['host usage history is corrupt and was set aside; the host chart starts empty']);
    const names = await readdir(path.join(dir, 'usage'));
    expect(names.filter((n) => n.startsWith('host.json.corrupt-'))).toHaveLength(1);
    // The new run writes its own history in its place.
    expect(names).toContain('host.json');
  });
});
