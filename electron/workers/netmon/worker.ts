import type { NetInterface} from '../../../shared/netmon/events.js';
import { type NetmonEvent, type NetworkDiscovery } from '../../../shared/netmon/events.js';
import { NetmonWorkerConfig } from '../../lib/protocol/agent-ops.js';
import { WorkerError, type WorkerApi, type WorkerImpl } from '../../lib/worker/host.js';
import { startNetmon, type Netmon } from './index.js';

/** The latest full interface objects, so a discovery can be replayed to an orchestrator that (re)started later. */
class RawSnapshot {
  private readonly byName = new Map<string, NetInterface>();

  apply(e: NetmonEvent): void {
    if (e.type === 'network_discovery') {
      this.byName.clear();
      for (const i of e.data.interfaces) this.byName.set(i.interface, i);
    } else if (e.type === 'network_change') {
      const d = e.data;
      if ('status' in d) {
        const prev = this.byName.get(d.interface);
        if (d.status === 'removed') this.byName.delete(d.interface);
        else if (prev) this.byName.set(d.interface, { ...prev, operstate: 'DOWN', ipv4_addresses: [], gateway: null });
      } else {
        this.byName.set(d.interface, d);
      }
    }
  }

  discovery(): NetworkDiscovery {
    return { type: 'network_discovery', data: { interfaces: [...this.byName.values()], timestamp: new Date().toISOString() } };
  }
}

/** The host network monitor as a supervised worker: it forwards every event; the core routes them to the orchestrator. */
export class NetmonWorker implements WorkerImpl {
  private netmon?: Netmon;
  private readonly snapshot = new RawSnapshot();
  private seen = false;

  start(rawConfig: unknown, api: WorkerApi): Promise<void> {
    const config = NetmonWorkerConfig.parse(rawConfig);
    this.netmon = startNetmon(config.mode === 'builtin' ? { mode: 'builtin' } : { mode: 'external', socket: { path: config.socketPath } }, (e) => {
      if (e.type === 'network_discovery') this.seen = true;
      this.snapshot.apply(e);
      api.emit('netmon.event', e);
    });
    return Promise.resolve();
  }

  handle(op: string): Promise<unknown> {
    if (op === 'netmon.snapshot') return Promise.resolve(this.seen ? this.snapshot.discovery() : null);
    return Promise.reject(new WorkerError('UNKNOWN_OP', `no netmon op ${op}`, 'op'));
  }

  stop(): Promise<void> {
    this.netmon?.stop();
    return Promise.resolve();
  }
}
