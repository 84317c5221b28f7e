// The typed API over the real loopback WebSocket bridge of a real headless agent process (real dockerd behind it):
// authentication, Host/Origin checks, field-named validation errors, and a vPLC lifecycle through the contract.
// Runtime: about 10-20 s.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { removeByLabels, STANDIN_REPO } from '../../support/docker.js';
import { requireDocker } from '../../support/require.js';
import { spawnAgent, type AgentProcess, type Ready } from '../../support/agent-process.js';
import { createPkiSet } from '../../support/pki.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-ws-'));
let agent: AgentProcess;
let ready: Ready;
let installation = '';

type Result = { ok: boolean; value?: unknown; error?: { code: string; message: string; field?: string } };

class Client {
  private id = 0;
  private readonly waiting = new Map<number, (r: Result) => void>();
  readonly events: Array<{ name: string; payload: unknown }> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { t: string; id?: number; envelope?: Result; name?: string; payload?: unknown };
      if (m.t === 'result' && m.id !== undefined) this.waiting.get(m.id)?.(m.envelope as Result);
      if (m.t === 'event') this.events.push({ name: m.name ?? '', payload: m.payload });
    });
  }
  static async open(token: string): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${ready.port}/api`, { origin: `http://127.0.0.1:${ready.port}` });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const c = new Client(ws);
    ws.send(JSON.stringify({ t: 'auth', token }));
    await new Promise<void>((r, j) => {
      ws.once('message', () => r());
      ws.once('close', (code) => j(new Error(`closed ${code}`)));
    });
    return c;
  }
  call(channel: string, input: unknown): Promise<Result> {
    const id = ++this.id;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ t: 'invoke', id, channel, input }));
    });
  }
}

beforeAll(async () => {
  agent = spawnAgent(
    ['--no-cloud', '--ui-port', '0', '--data-dir', path.join(dir, 'data'), '--lock-name', `vt-${run}-ws`, '--internal-pool', '198.19.97.0/24', '--runtime-image', STANDIN_REPO, '--mtls-dir', path.join(dir, 'mtls')],
    { VPLC_TOKEN_FILE: path.join(dir, 'token'), XDG_CONFIG_HOME: path.join(dir, 'config') },
  );
  ready = await agent.ready;
});

afterAll(async () => {
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  rmSync(dir, { recursive: true, force: true });
});

describe('settings, certificates and the agent lifecycle over the bridge', () => {
  it('reads and changes settings in the file, never in memory only', async () => {
    const c = await Client.open(ready.token);
    expect(await c.call('settings:get', {})).toMatchObject({ ok: true, value: { writable: true, settings: { desktop: { autostart: false } } } });
    expect(await c.call('settings:set', { desktop: { autostart: true } })).toMatchObject({ ok: true, value: { restartNeeded: false, settings: { desktop: { autostart: true } } } });
    expect(JSON.parse(readFileSync(path.join(dir, 'config', 'vplc-orchestrator', 'settings.json'), 'utf8'))).toMatchObject({ desktop: { autostart: true } });
    expect(await c.call('settings:set', { desktop: { bogus: 1 } })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    c.ws.close();
  });

  it('reports no certificate before enrolment, imports a pair from files and shows its facts, never the key', async () => {
    const c = await Client.open(ready.token);
    expect(await c.call('certs:info', {})).toEqual({ ok: true, value: null });
    const pki = await createPkiSet('07048933');
    const keyFile = path.join(dir, 'import.key');
    const certFile = path.join(dir, 'import.crt');
    writeFileSync(keyFile, pki.client.key, { mode: 0o600 });
    writeFileSync(certFile, pki.client.cert);
    const imported = await c.call('certs:import', { keyFile, certFile });
    expect(imported).toMatchObject({ ok: true, value: { id: '07048933', certificate: { agentId: '07048933' } } });
    const info = await c.call('certs:info', {});
    expect(info).toMatchObject({ ok: true, value: { agentId: '07048933', expiry: { level: 'ok' } } });
    expect(JSON.stringify(info)).not.toContain('PRIVATE KEY');
    c.ws.close();
  });

  it('stops and starts the agent’s workers through the API', async () => {
    const c = await Client.open(ready.token);
    expect(await c.call('agent:stop', {})).toMatchObject({ ok: false, error: { field: 'confirm' } });
    expect(await c.call('agent:stop', { confirm: true })).toEqual({ ok: true, value: null });
    const stopped = (await c.call('agent:status', {})).value as { workers: Array<{ state: string }> };
    expect(stopped.workers.every((w) => w.state === 'stopped')).toBe(true);
    expect(await c.call('agent:start', {})).toEqual({ ok: true, value: null });
    expect(await c.call('vplc:list', {})).toMatchObject({ ok: true });
    c.ws.close();
  });
});

describe('the loopback API bridge', () => {
  it('closes a socket whose first message is not the token', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${ready.port}/api`);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'vplc:list', input: {} }));
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    expect(code).toBe(4401);
    await expect(Client.open('wrong-token')).rejects.toThrow('closed 4401');
  });

  it('refuses a foreign Origin and a rebinding Host', async () => {
    const foreign = new WebSocket(`ws://127.0.0.1:${ready.port}/api`, { origin: 'http://evil.example' });
    const rebinding = new WebSocket(`ws://127.0.0.1:${ready.port}/api`, { headers: { host: `evil.example:${ready.port}` } });
    for (const ws of [foreign, rebinding]) {
      const err = await new Promise<Error>((r) => ws.once('error', r));
      expect(err.message).toContain('403');
    }
  });

  it('answers agent:status and names the field of invalid input', async () => {
    const c = await Client.open(ready.token);
    const status = await c.call('agent:status', {});
    expect(status).toMatchObject({ ok: true, value: { mode: 'own', cloud: 'disabled' } });
    installation = (status.value as { installationId: string }).installationId;
    expect(await c.call('vplc:stop', { name: 'x1' })).toEqual({ ok: false, error: { code: 'VALIDATION', message: 'confirm: Invalid input: expected true', field: 'confirm' } });
    expect(await c.call('vplc:create', { name: 'ok-name', vnics: [{ name: 'a', parentInterface: 'vt0', mode: 'static', dns: [] }] })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', field: 'vnics.0.ip' },
    });
    expect(await c.call('no:such', {})).toEqual({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'no channel "no:such"' } });
    c.ws.close();
  });

  it('creates, stops, starts and deletes a vPLC through the contract, with change events', async () => {
    const c = await Client.open(ready.token);
    const name = `vt-${run}-ws`;
    const created = await c.call('vplc:create', { name, vnics: [] });
    expect(created, JSON.stringify(created)).toMatchObject({ ok: true });
    const deadline = Date.now() + 60_000;
    let s: Result = { ok: false };
    while (Date.now() < deadline) {
      s = await c.call('vplc:status', { name });
      if (s.ok && (s.value as { status: string }).status !== 'creating') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(s).toMatchObject({ ok: true, value: { status: 'success', is_running: true } });
    expect(await c.call('vplc:stop', { name, confirm: true })).toMatchObject({ ok: true, value: { status: 'success', container_status: 'exited' } });
    expect(await c.call('vplc:start', { name })).toMatchObject({ ok: true, value: { status: 'success', container_status: 'running' } });
    const logs = await c.call('vplc:logs', { name, tail: 20 });
    expect(logs.ok).toBe(true);
    expect((logs.value as string[]).length).toBeGreaterThan(0);
    expect(await c.call('vplc:delete', { name, confirm: true })).toEqual({ ok: true, value: { accepted: true } });
    expect(c.events.some((e) => e.name === 'vplc:changed' && (e.payload as { name: string }).name === name)).toBe(true);
    expect((await c.call('logs:tail', { limit: 50 })).ok).toBe(true);
    c.ws.close();
  });
});
