// Who asked, through the real WebSocket bridge: the browser page and the desktop app are this PC's UI, the CLI says it
// is the CLI; the outcome of a create or delete that finishes in the background is recorded under whoever asked for it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventHub } from '../../../../../electron/core/api/event-hub.js';
import { ApiRegistry } from '../../../../../electron/core/api/registry.js';
import { ApiClient } from '../../../../../electron/core/api/ws-client.js';
import { Journal } from '../../../../../electron/core/journal/journal.js';
import { JournalRecorder } from '../../../../../electron/core/journal/recorder.js';
import { UiServer } from '../../../../../electron/core/ui-server/server.js';

const TOKEN = 'c'.repeat(64);
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
const log = { warn: () => undefined };

async function journal(): Promise<{ j: Journal; r: JournalRecorder }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-requester-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const j = new Journal(dir, log);
  await j.open();
  return { j, r: new JournalRecorder(j) };
}

const rows = (j: Journal): string[] => j.list(50).reverse().map((e) => `${e.vplc} ${e.action} ${e.requestedBy} ${e.result}${e.detail ? ` (${e.detail})` : ''}`);

/** A bridge whose registry feeds the journal the way the agent wires it. */
async function bridge(r: JournalRecorder): Promise<number> {
  const registry = new ApiRegistry();
  registry.register('vplc:create', () => Promise.resolve({ operationId: 'op-1' }));
  registry.register('vplc:stop', ({ name }) => Promise.resolve({ status: 'success' as const, device_id: name, container_status: 'stopped', message: `Container ${name} stopped` }));
  registry.observe((channel, input, result, ctx) => r.api(channel, input, result, ctx.client ?? 'ui'));
  const server = new UiServer({ registry, events: new EventHub(), token: TOKEN, port: 0 });
  await server.listen();
  cleanup.push(() => server.close());
  return server.port;
}

/** The browser page: presents the token it was given in its URL. */
async function browserCall(port: number, channel: string, input: unknown): Promise<unknown> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { origin: `http://127.0.0.1:${port}` });
  cleanup.push(() => ws.terminate());
  const messages: unknown[] = [];
  const next = (): Promise<unknown> =>
    new Promise((resolve) => {
      const m = messages.shift();
      if (m !== undefined) return resolve(m);
      ws.once('message', (d: WebSocket.RawData) => resolve(JSON.parse(d.toString()) as unknown));
    });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ t: 'auth', token: TOKEN }));
  expect(await next()).toEqual({ t: 'authed' });
  ws.send(JSON.stringify({ t: 'invoke', id: 1, channel, input }));
  return next();
}

describe('the journal names who asked', () => {
  it('a create from the browser UI over the bridge is the UI’s, and so is its completion', async () => {
    const { j, r } = await journal();
    const port = await bridge(r);
    expect(await browserCall(port, 'vplc:create', { name: 'plc-a', vnics: [] })).toMatchObject({ t: 'result', envelope: { ok: true } });
    r.event({ kind: 'changed', name: 'plc-a', reason: 'creating_container' });
    r.event({ kind: 'changed', name: 'plc-a', reason: 'created' });
    await j.append({ vplc: 'marker', action: 'marker', requestedBy: 'agent', result: 'ok' });
    expect(rows(j)).toEqual(['plc-a create ui accepted', 'plc-a create ui ok (created and the runtime answers)', 'marker marker agent ok']);
  });

  it('the desktop app attaching is the UI; the CLI is the CLI', async () => {
    const { j, r } = await journal();
    const port = await bridge(r);
    const desktop = await ApiClient.connect(port, TOKEN);
    const cli = await ApiClient.connect(port, TOKEN, 5_000, 'cli');
    cleanup.push(() => desktop.close(), () => cli.close());
    await desktop.call('vplc:stop', { name: 'plc-a', confirm: true });
    await cli.call('vplc:stop', { name: 'plc-b', confirm: true });
    await cli.call('vplc:create', { name: 'plc-c', vnics: [] });
    r.event({ kind: 'changed', name: 'plc-c', reason: 'create-failed', detail: 'MAC 02:42:c6:12:00:05 is in use on eth1' });
    await j.append({ vplc: 'marker', action: 'marker', requestedBy: 'agent', result: 'ok' });
    expect(rows(j)).toEqual([
      'plc-a stop ui ok (Container plc-a stopped)',
      'plc-b stop cli ok (Container plc-b stopped)',
      'plc-c create cli accepted',
      'plc-c create cli error (creation failed: MAC 02:42:c6:12:00:05 is in use on eth1)',
      'marker marker agent ok',
    ]);
  });

  it('a create from the cloud is the cloud’s; outcomes nobody asked for in this run are the agent’s', async () => {
    const { j, r } = await journal();
    r.cloud('create_new_runtime', { container_name: 'plc-a' }, { status: 'creating', device_id: 'plc-a' });
    r.event({ kind: 'changed', name: 'plc-a', reason: 'created', detail: 'runtime API not answering after 60 s; the container is kept for inspection' });
    r.cloud('delete_device', { device_id: 'plc-a' }, { status: 'deleting', device_id: 'plc-a' });
    r.event({ kind: 'removed', name: 'plc-a' });
    // A create resumed at start, and a delete the agent finishes on its own: nobody asked in this run.
    r.event({ kind: 'changed', name: 'plc-b', reason: 'created' });
    r.event({ kind: 'removed', name: 'plc-b' });
    await j.append({ vplc: 'marker', action: 'marker', requestedBy: 'agent', result: 'ok' });
    expect(rows(j)).toEqual([
      'plc-a create cloud accepted',
      'plc-a create cloud error (created with a problem: runtime API not answering after 60 s; the container is kept for inspection)',
      'plc-a delete cloud accepted',
      'plc-a delete cloud ok (removed)',
      'plc-b create agent ok (created and the runtime answers)',
      'plc-b delete agent ok (removed)',
      'marker marker agent ok',
    ]);
  });
});
