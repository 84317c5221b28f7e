// Every channel of the typed API contract, over the real loopback WebSocket bridge of a real headless agent (real
// dockerd behind it): each answer is parsed with the contract's own output schema, and every event that arrives with
// its payload schema. A new channel without an entry here fails the coverage check. Runtime: about 15-30 s.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { events, invoke, isEventName, isInvokeChannel } from '../../../shared/api/contract.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { removeByLabels, STANDIN_REPO } from '../../support/docker.js';
import { createPkiSet } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { storedZip } from '../../images/program-zip.js';

requireDocker();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-contract-'));
const name = `vt-${run}-rt`;
let agent: AgentProcess;
let client: ApiClient;
let installation = '';
const received: Array<{ name: string; payload: unknown }> = [];

/** One call per channel, in an order that leaves destructive ones last; `ok: false` marks an expected refusal. */
type Step = { channel: string; input: unknown; ok: boolean };
let steps: Step[] = [];

beforeAll(async () => {
  const pki = await createPkiSet('07048934');
  writeFileSync(path.join(dir, 'client.key'), pki.client.key);
  writeFileSync(path.join(dir, 'client.crt'), pki.client.cert);
  writeFileSync(path.join(dir, 'program.zip'), storedZip({ 'configuration.cpp': '// contract' }));
  writeFileSync(path.join(dir, 'debug-map.json'), readFileSync(path.resolve(__dirname, '../../fixtures/openplc-runtime-v4.1.4/debug/debug-map.json')));
  mkdirSync(path.join(dir, 'docker'));
  writeFileSync(path.join(dir, 'docker', 'daemon.json'), '{"log-level": "warn"}\n');
  agent = spawnAgent(
    ['--no-cloud', '--ui-port', '0', '--data-dir', path.join(dir, 'data'), '--lock-name', `vt-${run}-rt`, '--internal-pool', '198.19.91.0/24', '--runtime-image', STANDIN_REPO, '--mtls-dir', path.join(dir, 'mtls'), '--docker-config', path.join(dir, 'docker', 'daemon.json')],
    { VPLC_TOKEN_FILE: path.join(dir, 'token'), XDG_CONFIG_HOME: path.join(dir, 'config') },
  );
  const ready = await agent.ready;
  client = await ApiClient.connect(ready.port, ready.token);
  client.onEvent((n, payload) => received.push({ name: n, payload }));
  steps = [
    { channel: 'agent:status', input: {}, ok: true },
    { channel: 'settings:get', input: {}, ok: true },
    { channel: 'settings:set', input: { agent: { logLevel: 'debug' } }, ok: true },
    { channel: 'certs:info', input: {}, ok: true },
    { channel: 'certs:import', input: { keyFile: path.join(dir, 'client.key'), certFile: path.join(dir, 'client.crt') }, ok: true },
    // Provisioning on a closed loopback port: the refusal must still be a proper envelope.
    { channel: 'certs:enroll', input: { provisionUrl: 'https://127.0.0.1:9' }, ok: false },
    { channel: 'netmon:interfaces', input: {}, ok: true },
    { channel: 'vplc:create', input: { name, vnics: [] }, ok: true },
    { channel: 'vplc:list', input: {}, ok: true },
    { channel: 'images:list', input: {}, ok: true },
    // A file that is not a docker save archive: refused (on field path) before the engine sees it.
    { channel: 'images:load', input: { path: path.join(dir, 'client.crt') }, ok: false },
    // Not a tag: refused on its field before the engine is asked (a real pull needs a registry; test/integration/images).
    { channel: 'images:pull', input: { version: 'not a tag!' }, ok: false },
    { channel: 'vplc:status', input: { name }, ok: true },
    { channel: 'vplc:logs', input: { name, tail: 10 }, ok: true },
    { channel: 'vplc:spec', input: { name }, ok: true },
    // The same spec again: nothing to change, answered with an empty diff.
    { channel: 'vplc:edit', input: { name, spec: { name, vnics: [] } }, ok: true },
    { channel: 'network:vnics', input: {}, ok: true },
    { channel: 'serial:devices', input: {}, ok: true },
    { channel: 'vplc:apply', input: { name, confirm: true }, ok: true },
    // The PLC inside (docs/plc.md): refused without credentials, then the runtime's first user created on request.
    { channel: 'plc:start', input: { name, confirm: true }, ok: false },
    { channel: 'plc:create-user', input: { name, username: 'contract', password: 'contract-pw-1' }, ok: true },
    { channel: 'plc:set-credentials', input: { name, username: 'contract', password: 'contract-pw-1' }, ok: true },
    { channel: 'plc:compile-status', input: { name }, ok: true },
    // Not a zip: refused on its field before the runtime sees it; a real bundle compiles (plc:compile events).
    { channel: 'plc:upload', input: { name, path: path.join(dir, 'client.crt'), confirm: true }, ok: false },
    { channel: 'plc:upload', input: { name, path: path.join(dir, 'program.zip'), confirm: true }, ok: true },
    { channel: 'plc:stop', input: { name, confirm: true }, ok: true },
    { channel: 'plc:start', input: { name, confirm: true }, ok: true },
    { channel: 'plc:logs', input: { name, limit: 20 }, ok: true },
    { channel: 'plc:history', input: { name, seconds: 60 }, ok: true },
    // Live variables (docs/debug.md): a map from a file, then reads and forces that need no runtime answer to be decided.
    { channel: 'plc:debug-map-load', input: { name, path: path.join(dir, 'debug-map.json') }, ok: true },
    { channel: 'plc:debug-map', input: { name }, ok: true },
    { channel: 'plc:live-set', input: { name, path: 'NO.SUCH.VARIABLE', force: true, value: 1, confirm: true }, ok: false },
    { channel: 'plc:clear-credentials', input: { name, confirm: true }, ok: true },
    { channel: 'plc:live-read', input: { name }, ok: true },
    // Stored again: the delete below must take them away with the vPLC.
    { channel: 'plc:set-credentials', input: { name, username: 'contract', password: 'contract-pw-1' }, ok: true },
    { channel: 'reconcile:status', input: {}, ok: true },
    // A stand-in for /etc/docker/daemon.json in the test's own directory: the host's engine configuration is never touched.
    { channel: 'engine:live-restore', input: {}, ok: true },
    { channel: 'engine:enable-live-restore', input: { confirm: true }, ok: true },
    { channel: 'vplc:restart', input: { name, confirm: true }, ok: true },
    { channel: 'work:submit', input: { id: 'rt-1', name, command: 'restart', confirm: true }, ok: true },
    { channel: 'work:list', input: {}, ok: true },
    { channel: 'vplc:stop', input: { name, confirm: true }, ok: true },
    { channel: 'vplc:start', input: { name }, ok: true },
    { channel: 'metrics:history', input: { target: 'host', seconds: 3_600 }, ok: true },
    { channel: 'logs:tail', input: { limit: 20 }, ok: true },
    { channel: 'network:timeline', input: {}, ok: true },
    { channel: 'journal:list', input: { limit: 50 }, ok: true },
    { channel: 'vplc:delete', input: { name, confirm: true }, ok: true },
    { channel: 'agent:threads', input: {}, ok: true },
    { channel: 'agent:stop', input: { confirm: true }, ok: true },
    { channel: 'agent:start', input: {}, ok: true },
  ];
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  rmSync(dir, { recursive: true, force: true });
});

describe('the whole contract over the bridge', () => {
  it('has a step for every invoke channel', () => {
    expect([...new Set(steps.map((s) => s.channel))].sort()).toEqual(Object.keys(invoke).sort());
  });

  it('answers every channel with a value its output schema accepts', async () => {
    const status = await client.call('agent:status', {});
    installation = (status as { value?: { installationId?: string } }).value?.installationId ?? '';
    for (const step of steps) {
      if (!isInvokeChannel(step.channel)) throw new Error(`not a channel: ${step.channel}`);
      if (step.channel === 'vplc:status' || step.channel === 'vplc:logs') {
        // The create runs in the background: wait until the runtime answers before using the vPLC.
        await waitFor(() => client.call('vplc:status', { name }), (r) => r.ok && (r.value as { status?: string }).status === 'success', { timeoutMs: 90_000, what: `${name} created` });
      }
      const result = await client.call(step.channel, step.input);
      expect(result.ok, `${step.channel}: ${JSON.stringify(result)}`).toBe(step.ok);
      if (result.ok) {
        const parsed = invoke[step.channel].output.safeParse(result.value);
        expect(parsed.success, `${step.channel} output: ${parsed.error?.issues[0]?.message ?? ''}`).toBe(true);
      } else {
        expect(result.error.code).toMatch(/^[A-Z_]+$/);
        expect(result.error.message.length).toBeGreaterThan(0);
      }
    }
  });

  it('removed the deleted vPLC\'s runtime credentials with it', async () => {
    const file = readdirSync(path.join(dir, 'data'), { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('runtime-credentials.json'));
    expect(file).toBeDefined();
    const read = (): string => readFileSync(path.join(dir, 'data', file ?? ''), 'utf8');
    await waitFor(read, (text) => !text.includes(name), { timeoutMs: 10_000, what: 'credentials removed' });
    expect(JSON.parse(read())).toEqual({ version: 1, vplcs: {} });
  });

  it('sends only events whose payloads match the contract, metrics samples among them', async () => {
    await waitFor(() => received.filter((e) => e.name === 'metrics:sample').length, (n) => n > 0, { timeoutMs: 15_000, what: 'a metrics sample' });
    for (const e of received) {
      expect(isEventName(e.name), e.name).toBe(true);
      if (!isEventName(e.name)) continue;
      const parsed = events[e.name].safeParse(e.payload);
      expect(parsed.success, `${e.name}: ${parsed.error?.issues[0]?.message ?? ''}`).toBe(true);
    }
    const names = new Set(received.map((e) => e.name));
    for (const expected of ['vplc:changed', 'logs:line', 'metrics:sample', 'plc:compile']) expect(names, expected).toContain(expected);
  });
});
