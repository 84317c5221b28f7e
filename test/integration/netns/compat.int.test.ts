// Compatibility mode against a small JSON-lines Unix-socket server standing in for an external netmon.
// Runtime: about 2-4 s (short reconnect timings injected).
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetmon, type ExternalNetmon, type Netmon } from '../../../electron/workers/netmon/index.js';
import type { NetworkChangeData } from '../../../shared/netmon/events.js';
import { requireRoot } from '../../support/require.js';
import { waitFor } from '../../support/run.js';

requireRoot();

const iface = (name: string, address: string, prefix: number, pad = ''): Record<string, unknown> => ({
  interface: name,
  index: 7,
  operstate: 'UP',
  type: 'ethernet',
  ipv4_addresses: [{ address, prefixlen: prefix, subnet: `${address.split('.').slice(0, 3).join('.')}.0/${prefix}`, network_address: `${address.split('.').slice(0, 3).join('.')}.0` }],
  gateway: null,
  timestamp: '2026-04-10T20:30:45.123456',
  ...(pad ? { note: pad } : {}),
});

describe('external netmon client (compatibility mode)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vt-netmon-'));
  const sock = path.join(dir, 'netmon.sock');
  const clients = new Set<net.Socket>();
  const received: string[] = [];
  let answer = true;
  let server: net.Server;
  let nm: Netmon;
  const changes: NetworkChangeData[] = [];

  beforeAll(async () => {
    server = net.createServer((c) => {
      clients.add(c);
      c.on('close', () => clients.delete(c));
      c.setEncoding('utf8');
      let buf = '';
      c.on('data', (d: string) => {
        buf += d;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          received.push(line);
          if (answer) c.write(`${JSON.stringify({ success: true, message: 'DHCP client stopped for a:b' })}\n`);
        }
      });
      // Like the reference: discovery (larger than the reference's 64 KiB reader limit), then device discovery, on accept.
      c.write(`${JSON.stringify({ type: 'network_discovery', data: { interfaces: [iface('ens37', '198.18.9.50', 24, 'x'.repeat(200_000))], timestamp: 't' } })}\n`);
      c.write(`${JSON.stringify({ type: 'device_discovery', data: { devices: [], timestamp: 't' } })}\n`);
    });
    await new Promise<void>((r) => server.listen(sock, r));
    nm = startNetmon({ mode: 'external', socket: { path: sock, eofRetryMs: 100, errorRetryMs: 100, missingRetryMs: 100, commandTimeoutMs: 500 } });
    nm.cache.onChange((d) => changes.push(d));
    await nm.cache.whenReady();
  });

  afterAll(async () => {
    nm?.stop();
    for (const c of clients) c.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills the cache from network_discovery, including a line larger than 64 KiB', async () => {
    expect(await nm.cache.list()).toEqual([{ name: 'ens37', index: 7, mac: null, type: 'ethernet', operstate: 'up', ipv4: [{ address: '198.18.9.50', prefix: 24, subnet: '198.18.9.0/24' }], gateway: null }]);
  });

  it('applies network_change in both forms and hands each to the listener without a debounce', async () => {
    for (const c of clients) c.write(`${JSON.stringify({ type: 'network_change', data: iface('ens37', '198.18.8.50', 23) })}\n`);
    await waitFor(() => changes.length, (n) => n >= 1, { timeoutMs: 2_000, intervalMs: 10, what: 'change' });
    expect((await nm.cache.list())[0]?.ipv4[0]?.subnet).toBe('198.18.8.0/23');
    for (const c of clients) c.write(`${JSON.stringify({ type: 'network_change', data: { interface: 'ens37', ipv4_addresses: [], status: 'down' } })}\n`);
    await waitFor(() => changes.length, (n) => n >= 2, { timeoutMs: 2_000, intervalMs: 10, what: 'down' });
    expect((await nm.cache.list())[0]).toMatchObject({ operstate: 'down', ipv4: [] });
    for (const c of clients) c.write('not json\n{"type":"unknown_event","data":{}}\n');
    for (const c of clients) c.write(`${JSON.stringify({ type: 'network_change', data: { interface: 'ens37', ipv4_addresses: [], status: 'removed' } })}\n`);
    await waitFor(() => changes.length, (n) => n >= 3, { timeoutMs: 2_000, intervalMs: 10, what: 'removed' });
    expect(await nm.cache.list()).toEqual([]);
  });

  it('matches a command response read by the running reader, with an id on the command', async () => {
    const r = await (nm.source as ExternalNetmon).command({ command: 'stop_dhcp', container_name: 'a', vnic_name: 'b' });
    expect(r).toMatchObject({ success: true });
    expect(JSON.parse(received.at(-1) ?? '{}')).toMatchObject({ command: 'stop_dhcp', id: expect.any(String) });
  });

  it('times out a command that gets no response and reconnects, then gets discovery again', async () => {
    const ext = nm.source as ExternalNetmon;
    const before = ext.connections;
    answer = false;
    const r = await ext.command({ command: 'get_status' });
    answer = true;
    expect(r).toEqual({ success: false, error: 'Timeout waiting for netmon response' });
    await waitFor(() => ext.connections, (n) => n > before && ext.connected, { timeoutMs: 3_000, intervalMs: 20, what: 'reconnect' });
    await waitFor(() => nm.cache.list(), (l) => l.length === 1, { timeoutMs: 3_000, intervalMs: 20, what: 'discovery after reconnect' });
  });

  it('reconnects after the server closes the connection (EOF)', async () => {
    const ext = nm.source as ExternalNetmon;
    const before = ext.connections;
    for (const c of clients) c.end();
    await waitFor(() => ext.connections, (n) => n > before && ext.connected, { timeoutMs: 3_000, intervalMs: 20, what: 'reconnect after EOF' });
  });
});
