import type { NetmonEvent } from '../../../shared/netmon/events.js';
import { InterfaceCache } from '../../lib/netmon/cache.js';
import { ExternalNetmon, type ExternalNetmonOptions } from './external-socket.js';
import { BuiltinMonitor, type MonitorDeps } from './monitor.js';

export { InterfaceCache, type CachedIface } from '../../lib/netmon/cache.js';
export { BuiltinMonitor, readKernel, type MonitorDeps, type MonitorChild } from './monitor.js';
export { ExternalNetmon, type ExternalNetmonOptions } from './external-socket.js';

export type NetmonMode = { mode: 'builtin'; monitor?: MonitorDeps } | { mode: 'external'; socket: ExternalNetmonOptions };

/**
 * A running netmon source feeding one interface cache. `onSettling`: the built-in monitor's hint that an interface's
 * addresses are changing (BuiltinMonitor.onSettling); an external netmon gives none.
 */
export type Netmon = { cache: InterfaceCache; source: BuiltinMonitor | ExternalNetmon; onSettling(cb: (iface: string) => void): () => void; stop(): void };

/** Starts the built-in monitor or the compatibility-mode client; both feed the same cache with the same events. */
export function startNetmon(mode: NetmonMode, onEvent?: (e: NetmonEvent) => void): Netmon {
  const cache = new InterfaceCache();
  const source = mode.mode === 'builtin' ? new BuiltinMonitor(mode.monitor) : new ExternalNetmon(mode.socket);
  source.on((e) => {
    cache.apply(e);
    onEvent?.(e);
  });
  source.start();
  const onSettling = (cb: (iface: string) => void): (() => void) => (source instanceof BuiltinMonitor ? source.onSettling(cb) : () => undefined);
  return { cache, source, onSettling, stop: () => source.stop() };
}
