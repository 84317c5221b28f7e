import type { NetmonEvent } from '../../../shared/netmon/events.js';
import { InterfaceCache } from '../../lib/netmon/cache.js';
import { ExternalNetmon, type ExternalNetmonOptions } from './external-socket.js';
import { BuiltinMonitor, type MonitorDeps } from './monitor.js';

export { InterfaceCache, type CachedIface } from '../../lib/netmon/cache.js';
export { BuiltinMonitor, readKernel, type MonitorDeps, type MonitorChild } from './monitor.js';
export { ExternalNetmon, type ExternalNetmonOptions } from './external-socket.js';

export type NetmonMode = { mode: 'builtin'; monitor?: MonitorDeps } | { mode: 'external'; socket: ExternalNetmonOptions };

/** A running netmon source feeding one interface cache. */
export type Netmon = { cache: InterfaceCache; source: BuiltinMonitor | ExternalNetmon; stop(): void };

/** Starts the built-in monitor or the compatibility-mode client; both feed the same cache with the same events. */
export function startNetmon(mode: NetmonMode, onEvent?: (e: NetmonEvent) => void): Netmon {
  const cache = new InterfaceCache();
  const source = mode.mode === 'builtin' ? new BuiltinMonitor(mode.monitor) : new ExternalNetmon(mode.socket);
  source.on((e) => {
    cache.apply(e);
    onEvent?.(e);
  });
  source.start();
  return { cache, source, stop: () => source.stop() };
}
