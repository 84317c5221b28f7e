import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitorChild } from '../../../../../electron/workers/netmon/monitor.js';
import type { IfaceState } from '../../../../../electron/workers/netmon/snapshot.js';
import { NetmonWorker } from '../../../../../electron/workers/netmon/worker.js';
import type { WorkerApi } from '../../../../../electron/lib/worker/host.js';

class FakeChild extends EventEmitter {
  stdout = new PassThrough();
  pid = 4242;
  kill(): boolean {
    this.emit('exit', null, 'SIGTERM');
    return true;
  }
}

const ens37: IfaceState = {
  name: 'ens37',
  index: 2,
  operstate: 'UP',
  up: true,
  mac: '02:00:00:00:00:01',
  type: 'ethernet',
  addresses: [{ address: '192.168.1.50', prefixlen: 24, subnet: '192.168.1.0/24', network_address: '192.168.1.0' }],
  gateway: null,
};

function rig(): { worker: NetmonWorker; api: WorkerApi; logs: Array<[string, string]>; emitted: unknown[]; named: Array<[string, unknown]>; children: FakeChild[] } {
  const children: FakeChild[] = [];
  const logs: Array<[string, string]> = [];
  const emitted: unknown[] = [];
  const named: Array<[string, unknown]> = [];
  const note = (level: string) => (msg: string) => void logs.push([level, msg]);
  const api: WorkerApi = {
    emit: (name, payload) => {
      emitted.push(payload);
      named.push([name, payload]);
    },
    request: () => Promise.reject(new Error('netmon makes no requests')),
    log: { debug: note('debug'), info: note('info'), warn: note('warn'), error: note('error') },
    fail: (err) => void logs.push(['fail', String(err)]),
  };
  const worker = new NetmonWorker({
    monitor: {
      spawn: () => {
        const c = new FakeChild();
        children.push(c);
        return c as unknown as MonitorChild;
      },
      read: () => Promise.resolve([ens37]),
      backoff: { baseMs: 60_000, maxMs: 60_000, resetAfterMs: 60_000 },
    },
  });
  workers.push(worker);
  return { worker, api, logs, emitted, named, children };
}

const workers: NetmonWorker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop();
});

const until = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((r) => setImmediate(r));
};

describe('NetmonWorker', () => {
  it('passes its logger to the monitor: "ip monitor ended; restarting" reaches the worker log', async () => {
    const r = rig();
    await r.worker.start({ mode: 'builtin' }, r.api);
    r.children[0]?.emit('exit', 1, null);
    expect(r.logs).toContainEqual(['warn', 'ip monitor ended; restarting']);
  });

  it('answers netmon.snapshot with null before its first discovery, then with the latest discovery', async () => {
    const r = rig();
    expect(await r.worker.handle('netmon.snapshot', {})).toBeNull();
    await r.worker.start({ mode: 'builtin' }, r.api);
    await until(() => r.emitted.length > 0);
    expect(await r.worker.handle('netmon.snapshot', {})).toMatchObject({ type: 'network_discovery', data: { interfaces: [{ interface: 'ens37', ipv4_addresses: [{ address: '192.168.1.50' }] }] } });
    await expect(r.worker.handle('netmon.snapshot', 'x')).rejects.toMatchObject({ code: 'VALIDATION', field: 'input' });
    await expect(r.worker.handle('netmon.nope', {})).rejects.toMatchObject({ code: 'UNKNOWN_OP', field: 'op' });
  });

  it('emits netmon.settling when an address of a reported interface changes, ahead of the debounced change', async () => {
    const r = rig();
    await r.worker.start({ mode: 'builtin' }, r.api);
    await until(() => r.emitted.length > 0);
    r.children[0]?.stdout.write('Deleted 2: ens37    inet 192.168.1.50/24 scope global ens37\n');
    await until(() => r.named.some(([n]) => n === 'netmon.settling'));
    expect(r.named.filter(([n]) => n === 'netmon.settling')).toEqual([['netmon.settling', { interface: 'ens37' }]]);
  });
});
