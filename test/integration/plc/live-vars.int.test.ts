// needs: the real Docker engine, the stand-in runtime image with its debug namespace (`/api/debug`), and the runtime
// debug sessions of the orchestrator (docs/debug.md). Runs in about 30-60 s.
// Live variables end to end through a real headless agent and its loopback API (docs/debug.md "Live variables"): a
// program bundle with debug-map.json uploaded to a vPLC running the stand-in gives the vPLC its map; reads show the
// map's names with values that move; a force is visible in the next read and a release ends it; a value out of range
// is refused on `value`; another program's map shows no values; the map goes with the deleted vPLC.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { DebugMapView, LiveRead, LiveSetResult } from '../../../shared/debug/live.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { removeByLabels, STANDIN_REPO } from '../../support/docker.js';
import { testSettingsFile } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { internalPoolFor, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { storedZip } from '../../images/program-zip.js';

requireDocker();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-livevars-'));
const dataDir = path.join(dir, 'data');
const name = `vt-${run}-lv`;
const MAP_TEXT = readFileSync(path.resolve(__dirname, '../../fixtures/openplc-runtime-v4.1.4/debug/debug-map.json'), 'utf8');
const OTHER_MD5 = '0123456789abcdef0123456789abcdef';
let agent: AgentProcess;
let client: ApiClient;
let installation = '';

async function call<T>(channel: string, input: unknown, schema: { parse(v: unknown): T }): Promise<T> {
  const r = await client.call(channel as never, input as never);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return schema.parse(r.value);
}

async function refusal(channel: string, input: unknown): Promise<{ code: string; message: string; field?: string }> {
  const r = await client.call(channel as never, input as never);
  if (r.ok) throw new Error(`${channel} was accepted: ${JSON.stringify(r.value)}`);
  return r.error;
}

const valueOf = (r: LiveRead, p: string): unknown => r.variables.find((v) => v.path === p)?.value;

beforeAll(async () => {
  writeFileSync(path.join(dir, 'settings.json'), testSettingsFile());
  writeFileSync(path.join(dir, 'blink.zip'), storedZip({ 'configuration.cpp': '// blink', 'debug-map.json': MAP_TEXT }));
  agent = spawnAgent(
    ['--no-cloud', '--ui-port', '0', '--data-dir', dataDir, '--settings', path.join(dir, 'settings.json'), '--lock-name', `vt-${run}-lv`, '--internal-pool', internalPoolFor(workerSlot()), '--runtime-image', STANDIN_REPO, '--mtls-dir', path.join(dir, 'mtls')],
    { VPLC_TOKEN_FILE: path.join(dir, 'token'), XDG_CONFIG_HOME: path.join(dir, 'config') },
  );
  const ready = await agent.ready;
  client = await ApiClient.connect(ready.port, ready.token);
  const status = await client.call('agent:status', {});
  installation = (status as { value?: { installationId?: string } }).value?.installationId ?? '';
  const created = await client.call('vplc:create', { name, vnics: [] });
  if (!created.ok) throw new Error(`vplc:create: ${created.error.message}`);
  await waitFor(() => client.call('vplc:status', { name }), (r) => r.ok && (r.value as { status?: string }).status === 'success', { timeoutMs: 90_000, what: `${name} created` });
  const user = await client.call('plc:create-user', { name, username: 'live', password: `live-pw-${run}` });
  if (!user.ok) throw new Error(`plc:create-user: ${user.error.message}`);
}, 180_000);

afterAll(async () => {
  client?.close();
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  rmSync(dir, { recursive: true, force: true });
});

describe('live variables through a real agent and the stand-in runtime', () => {
  it('keeps the map of an uploaded bundle and checks it against the loaded program', async () => {
    const up = await client.call('plc:upload', { name, path: path.join(dir, 'blink.zip'), confirm: true });
    expect(up.ok && (up.value as { state: string }).state).toBe('SUCCESS');
    const view = await call('plc:debug-map', { name }, DebugMapView);
    expect(view.map).toMatchObject({ source: 'upload', source_name: 'blink.zip' });
    expect(view.map?.leaves.map((l) => l.path)).toContain('INSTANCE0.COUNTER');
    expect(view.check_error).toBeNull();
    if (!view.md5_ok) {
      // The stand-in reports its own md5 for the uploaded program: the same map under that md5 is the program's.
      writeFileSync(path.join(dir, 'debug-map.json'), JSON.stringify({ ...JSON.parse(MAP_TEXT), md5: view.runtime_md5 }));
      const loaded = await call('plc:debug-map-load', { name, path: path.join(dir, 'debug-map.json') }, DebugMapView);
      expect(loaded).toMatchObject({ md5_ok: true, map: { source: 'file' } });
    }
  });

  it('reads the map\'s names with values that move between reads', async () => {
    const first = await call('plc:live-read', { name }, LiveRead);
    expect(first.status).toBe('ok');
    expect(first.variables.map((v) => [v.path, v.type])).toEqual(JSON.parse(MAP_TEXT).leaves.map((l: { path: string; type: string }) => [l.path, l.type]));
    expect(typeof valueOf(first, 'INSTANCE0.COUNTER')).toBe('number');
    await waitFor(() => call('plc:live-read', { name, paths: ['INSTANCE0.COUNTER'] }, LiveRead), (r) => r.status === 'ok' && valueOf(r, 'INSTANCE0.COUNTER') !== valueOf(first, 'INSTANCE0.COUNTER'), { timeoutMs: 10_000, what: 'COUNTER moving' });
  });

  it('shows a force in the next read, ends it on release, and refuses a value out of range on value', async () => {
    const set = await call('plc:live-set', { name, path: 'INSTANCE0.COUNTER', force: true, value: '12345', confirm: true }, LiveSetResult);
    expect(set).toMatchObject({ forced: true, value: 12_345 });
    const forced = await call('plc:live-read', { name, paths: ['INSTANCE0.COUNTER'] }, LiveRead);
    expect(forced.variables).toEqual([{ path: 'INSTANCE0.COUNTER', type: 'INT', value: 12_345, forced: true }]);
    await call('plc:live-set', { name, path: 'INSTANCE0.COUNTER', force: false, confirm: true }, LiveSetResult);
    await waitFor(() => call('plc:live-read', { name, paths: ['INSTANCE0.COUNTER'] }, LiveRead), (r) => r.variables[0]?.forced === false && r.variables[0]?.value !== 12_345, { timeoutMs: 10_000, what: 'COUNTER released' });
    const bad = await refusal('plc:live-set', { name, path: 'INSTANCE0.COUNTER', force: true, value: 40_000, confirm: true });
    expect(bad).toMatchObject({ code: 'VALIDATION', field: 'value', message: expect.stringMatching(/out of range for INT/) });
  });

  it('shows no values against another program\'s map', async () => {
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ ...JSON.parse(MAP_TEXT), md5: OTHER_MD5 }));
    await call('plc:debug-map-load', { name, path: path.join(dir, 'other.json') }, DebugMapView);
    const r = await call('plc:live-read', { name }, LiveRead);
    expect(r).toMatchObject({ status: 'md5_mismatch', md5_ok: false, variables: [] });
  });

  it('removes the map with the vPLC', async () => {
    const rel = readdirSync(dataDir, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith(path.join('debug-maps', `${name}.json`)));
    const found = rel ? path.join(dataDir, rel) : null;
    const del = await client.call('vplc:delete', { name, confirm: true });
    expect(del.ok).toBe(true);
    if (found) await waitFor(() => existsSync(found), (e) => !e, { timeoutMs: 60_000, what: 'map removed' });
    expect(found).not.toBeNull();
  });
});
