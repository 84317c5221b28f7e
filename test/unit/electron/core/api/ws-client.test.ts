import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub } from '../../../../../electron/core/api/event-hub.js';
import { ApiRegistry } from '../../../../../electron/core/api/registry.js';
import { ApiClient } from '../../../../../electron/core/api/ws-client.js';
import { UiServer } from '../../../../../electron/core/ui-server/server.js';

// A real UiServer on an ephemeral loopback port with a registry that serves one channel.
const registry = new ApiRegistry();
registry.register('vplc:list', () => Promise.resolve([]));
const events = new EventHub();
const server = new UiServer({ registry, events, token: 't0ken', port: 0 });

beforeAll(async () => {
  await server.listen();
});
afterAll(async () => {
  await server.close();
});

describe('ApiClient against the real bridge', () => {
  it('authenticates, calls and receives events', async () => {
    const c = await ApiClient.connect(server.port, 't0ken');
    expect(await c.call('vplc:list', {})).toEqual({ ok: true, value: [] });
    expect(await c.call('vplc:status', { name: '!' })).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'name' } });
    const got = new Promise((r) => c.onEvent((name, payload) => r({ name, payload })));
    events.publish('vplc:changed', { kind: 'changed', name: 'p1', reason: 'started' });
    expect(await got).toEqual({ name: 'vplc:changed', payload: { kind: 'changed', name: 'p1', reason: 'started' } });
    c.close();
  });

  it('says plainly when the token is refused or nobody listens', async () => {
    await expect(ApiClient.connect(server.port, 'wrong')).rejects.toThrow('the agent refused the token');
    await expect(ApiClient.connect(1, 'x')).rejects.toThrow(/cannot reach the agent on 127\.0\.0\.1:1/);
  });
});
