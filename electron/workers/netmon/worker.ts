import type { NetInterface, NetmonEvent, NetworkDiscovery } from '../../../shared/netmon/events.js';
import { NetmonOps, NetmonWorkerConfig } from '../../lib/protocol/agent-ops.js';
import { handlers, type WorkerApi, type WorkerImpl } from '../../lib/worker/host.js';
import { startNetmon, type MonitorDeps, type Netmon } from './index.js';

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

/**
 * The host network monitor as a supervised worker: it emits every event and the built-in monitor's settling hints (the
 * bus routes them to the orchestrator) and logs through the worker's logger, so the monitor's own messages reach the
 * agent log.
 */
export class NetmonWorker implements WorkerImpl {
  private netmon?: Netmon;
  private readonly snapshot = new RawSnapshot();
  private seen = false;

  /** `monitor` replaces the built-in monitor's process and kernel reads (tests). */
  constructor(private readonly deps: { monitor?: Omit<MonitorDeps, 'log'> } = {}) {}

  readonly handle = handlers({
    'netmon.snapshot': { input: NetmonOps['netmon.snapshot'], run: () => Promise.resolve(this.seen ? this.snapshot.discovery() : null) },
  });

  start(rawConfig: unknown, api: WorkerApi): Promise<void> {
    const config = NetmonWorkerConfig.parse(rawConfig);
    const log = (level: 'debug' | 'info' | 'warn', msg: string, data?: Record<string, unknown>): void => api.log[level](msg, data);
    const mode = config.mode === 'builtin' ? { mode: 'builtin' as const, monitor: { ...this.deps.monitor, log } } : { mode: 'external' as const, socket: { path: config.socketPath, log } };
    this.netmon = startNetmon(mode, (e) => {
      if (e.type === 'network_discovery') this.seen = true;
      this.snapshot.apply(e);
      api.emit('netmon.event', e);
    });
    this.netmon.onSettling((iface) => api.emit('netmon.settling', { interface: iface }));
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.netmon?.stop();
    return Promise.resolve();
  }
}
