// Forces and releases in the journal (docs/debug.md "Forcing"): a local force through the API, under the API client
// that asked (the CLI is not the UI), with the variable and the value from the answer; a cloud force from the debug
// bridge's `plc-force` event under the cloud; forces a runtime restart released, under the agent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerPlc } from '../../../../../electron/core/api/handlers/plc.js';
import { ApiRegistry } from '../../../../../electron/core/api/registry.js';
import type { RequestFn } from '../../../../../electron/core/api/worker-backend.js';
import { Journal } from '../../../../../electron/core/journal/journal.js';
import { JournalRecorder } from '../../../../../electron/core/journal/recorder.js';
import { VplcChange } from '../../../../../shared/domain/operations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function journal(): Promise<{ j: Journal; r: JournalRecorder }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-force-journal-'));
  dirs.push(dir);
  const j = new Journal(dir, { warn: () => undefined });
  await j.open();
  return { j, r: new JournalRecorder(j) };
}

const rows = async (j: Journal): Promise<string[]> => {
  await j.append({ vplc: 'marker', action: 'marker', requestedBy: 'agent', result: 'ok' });
  return j.list(50).reverse().filter((e) => e.vplc !== 'marker').map((e) => `${e.vplc} ${e.action} ${e.requestedBy} ${e.result} (${e.detail ?? ''})`);
};

/** The plc handlers on a registry observed by the recorder, as the agent wires them; the orchestrator answers like LiveVars.set. */
function wired(r: JournalRecorder): { registry: ApiRegistry; asked: unknown[] } {
  const asked: unknown[] = [];
  const request: RequestFn = (op, input) => {
    asked.push({ op, input });
    const i = input as { path: string; force: boolean; value?: unknown };
    if (op === 'plc.live-set' && i.path === 'INSTANCE0.NOPE') return Promise.resolve({ ok: false, error: { code: 'CONFLICT', message: 'the map belongs to another program than the one loaded in the runtime' } });
    if (op === 'plc.live-set') return Promise.resolve({ ok: true, value: { path: i.path, forced: i.force, value: i.force ? (i.value ?? null) : null, message: 'done' } });
    return Promise.resolve({
      ok: true,
      value: { name: 'plc-a', map: { source: 'file', source_name: 'debug-map.json', saved_at: '2026-12-05T00:00:00Z', md5: 'abc', leaves: [{ path: 'INSTANCE0.LAMP', type: 'BOOL', size: 1 }] }, runtime_md5: 'abc', md5_ok: true, check_error: null },
    });
  };
  const registry = new ApiRegistry();
  registerPlc(registry, request);
  registry.observe((channel, input, result, ctx) => r.api(channel, input, result, ctx.client ?? 'ui'));
  return { registry, asked };
}

describe('journal: forces and releases', () => {
  it('a force by the CLI is one plc-force entry by the CLI with the path and the value; the orchestrator hears the CLI too', async () => {
    const { j, r } = await journal();
    const { registry, asked } = wired(r);
    const cli = { via: 'ws' as const, client: 'cli' as const };
    expect((await registry.call('plc:live-set', { name: 'plc-a', path: 'INSTANCE0.LAMP', force: true, value: true, confirm: true }, cli)).ok).toBe(true);
    expect(asked).toEqual([{ op: 'plc.live-set', input: { name: 'plc-a', path: 'INSTANCE0.LAMP', force: true, value: true, requester: 'cli' } }]);
    expect(await rows(j)).toEqual(['plc-a plc-force cli ok (INSTANCE0.LAMP forced to true)']);
  });

  it('a release by the UI, a refused force (not its validation errors), and a map load are entries of their own', async () => {
    const { j, r } = await journal();
    const { registry } = wired(r);
    await registry.call('plc:live-set', { name: 'plc-a', path: 'INSTANCE0.LAMP', force: false, confirm: true }, { via: 'ipc' });
    await registry.call('plc:live-set', { name: 'plc-a', path: 'INSTANCE0.NOPE', force: true, value: 3, confirm: true }, { via: 'ws', client: 'cli' });
    await registry.call('plc:debug-map-load', { name: 'plc-a', path: '/tmp/debug-map.json' }, { via: 'ipc' });
    await registry.call('plc:live-read', { name: 'plc-a' }, { via: 'ipc' });
    expect(await rows(j)).toEqual([
      'plc-a plc-force ui ok (INSTANCE0.LAMP released)',
      'plc-a plc-force cli error (the map belongs to another program than the one loaded in the runtime)',
      'plc-a plc-map-load ui ok (variable map loaded from debug-map.json: 1 variable(s), md5 abc)',
    ]);
  });

  it('a cloud force event is the cloud’s; forces a runtime restart released are the agent’s', async () => {
    const { j, r } = await journal();
    r.event(VplcChange.parse({ kind: 'changed', name: 'plc-a', reason: 'plc-force', detail: 'INSTANCE0.LAMP forced to 01 over WebRTC session s1' }));
    r.event(VplcChange.parse({ kind: 'changed', name: 'plc-a', reason: 'plc-force', detail: 'variable 0:9 released over run_command' }));
    r.event(VplcChange.parse({ kind: 'changed', name: 'plc-a', reason: 'plc-forces-cleared', detail: 'forced variables released with the runtime (stopped): INSTANCE0.LAMP' }));
    expect(await rows(j)).toEqual([
      'plc-a plc-force cloud ok (INSTANCE0.LAMP forced to 01 over WebRTC session s1)',
      'plc-a plc-force cloud ok (variable 0:9 released over run_command)',
      'plc-a plc-force agent ok (forced variables released with the runtime (stopped): INSTANCE0.LAMP)',
    ]);
  });
});
