import { describe, expect, it } from 'vitest';
import { successStatus } from './agent-answers';
import { FakeTransport, ok } from './fake-transport';

describe('the fake transport', () => {
  it('answers with what the agent sends', async () => {
    const t = new FakeTransport({ 'vplc:status': () => ok(successStatus()) });
    expect(await t.invoke('vplc:status', { name: 'plc1' })).toEqual(ok(successStatus()));
  });

  it('refuses an answer with a field the agent never sends', async () => {
    const t = new FakeTransport({ 'vplc:status': () => ok({ ...successStatus(), field: 'name' }) });
    await expect(t.invoke('vplc:status', { name: 'plc1' })).rejects.toThrow('fake vplc:status answer has fields the agent never sends: field');
  });

  it('refuses a nested extra field and a wrong type', async () => {
    const nested = new FakeTransport({ 'vplc:status': () => ok(successStatus({ networks: { n: { ip_address: null, mac_address: null, gateway: null, vlan: 3 } as never } })) });
    await expect(nested.invoke('vplc:status', { name: 'plc1' })).rejects.toThrow('networks.n.vlan');
    const wrong = new FakeTransport({ 'vplc:status': () => ok({ status: 'running' }) });
    await expect(wrong.invoke('vplc:status', { name: 'plc1' })).rejects.toThrow('fake vplc:status answer does not match the contract: status');
  });

  it('refuses an error envelope with an unknown key', async () => {
    const t = new FakeTransport({ 'vplc:create': () => ({ ok: false, error: { code: 'CONFLICT', message: 'Container name is already in use', detail: 'x' } as never }) });
    await expect(t.invoke('vplc:create', {})).rejects.toThrow('vplc:create error');
  });

  it('refuses an event payload the agent never emits', () => {
    const t = new FakeTransport();
    expect(() => t.emit('vplc:changed', { kind: 'changed', name: 'plc1', reason: 'repainted' })).toThrow('fake vplc:changed event does not match the contract: reason');
  });
});
