import type { SerialChange, SerialPortSpec, SerialPortState, SerialPortsChange } from '../../../../shared/domain/serial.js';
import { TypedEmitter } from '../../../lib/events/typed-emitter.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import { candidatesOf, matchSerialDevice, type SerialCandidate } from './match.js';
import { makeNode, removeNode, type NodeAbout, type NodeDeps } from './nodes.js';

export type SerialPortsDeps = Pick<OrchestratorContext, 'engine' | 'exec' | 'store' | 'serial' | 'clock' | 'log'>;

/** A node the tracker made in one run of a container (its /dev is new at each start). */
type Made = { containerPath: string; major: number; minor: number };
/** `swept`: the container run's first resync in this agent run has cleared the paths of ports it did not connect. */
type Applied = { incarnation: string; containerId: string; nodes: Map<string, Made>; swept: boolean };
type Computed = Omit<SerialPortState, 'since'>;

const NOT_RUNNING = 'vPLC not running';

/** Everything but `since`: two states that differ only in it are the same state. */
const sameState = (a: Computed, b: Computed): boolean =>
  a.name === b.name && a.device_id === b.device_id && a.container_path === b.container_path && a.baud_rate === b.baud_rate && a.status === b.status && a.current_host_path === b.current_host_path && a.major === b.major && a.minor === b.minor && a.reason === b.reason;

function base(p: SerialPortSpec): Pick<SerialPortState, 'name' | 'device_id' | 'container_path' | 'baud_rate'> {
  return { name: p.name, device_id: p.deviceId, container_path: p.containerPath, baud_rate: p.baudRate ?? null };
}

const disconnected = (p: SerialPortSpec, reason: string): Computed => ({ ...base(p), status: 'disconnected', current_host_path: null, major: null, minor: null, reason });
const withDevice = (p: SerialPortSpec, dev: SerialCandidate, status: 'connected' | 'error', reason: string | null): Computed => ({ ...base(p), status, current_host_path: dev.path, major: dev.major, minor: dev.minor, reason });

/**
 * The live state of each vPLC's serial ports (docs/serial.md "Device nodes", "Port status"). A resync of one vPLC
 * matches each configured port against the host's devices and makes, replaces or removes its node in the running
 * container; it runs on each plug or unplug that concerns the vPLC, after its creation, after each start or stop, on
 * an edit and when the agent starts.
 *
 * INVARIANTS
 * - Resyncs of one vPLC run in its executor queue (`resync`), or inside a section that already holds it
 *   (`resyncHeld`), so two never interleave; a queued one that has not started yet absorbs later requests.
 * - `connected` only once the node was made with the device's current numbers in the container's current run.
 * - Listeners hear every change of a vPLC's states (its whole list); nothing here throws past its methods.
 */
export class SerialPortTracker {
  private readonly byVplc = new Map<string, SerialPortState[]>();
  private readonly applied = new Map<string, Applied>();
  private readonly queued = new Map<string, Promise<void>>();
  private readonly events: TypedEmitter<{ change: [SerialPortsChange] }>;
  private readonly nodes: NodeDeps;

  constructor(private readonly d: SerialPortsDeps) {
    this.events = new TypedEmitter((err) => d.log.warn('serial port listener failed', { err: String(err) }));
    this.nodes = { engine: d.engine, log: d.log };
  }

  /** Follows the device cache: each plug or unplug resyncs the vPLCs with a port it concerns. Returns the unsubscribe. */
  follow(): () => void {
    return this.d.serial.onChange((c) => void this.devicesChanged(c));
  }

  /** The states of a vPLC's ports, or undefined when it has none (or was never resynced). */
  states(name: string): SerialPortState[] | undefined {
    return this.byVplc.get(name);
  }

  /**
   * What the status shows (docs/protocol.md §4.5): one state per configured port, in the spec's order, or undefined
   * when the vPLC has no port. A port not resynced yet (the moment after an edit added it) is `disconnected`.
   */
  view(name: string): SerialPortState[] | undefined {
    const ports = this.portsOf(name);
    if (ports.length === 0) return undefined;
    const known = this.byVplc.get(name) ?? [];
    return ports.map((p) => known.find((s) => s.name === p.name && s.device_id === p.deviceId && s.container_path === p.containerPath) ?? { ...disconnected(p, 'not checked yet'), since: new Date(this.d.clock.now()).toISOString() });
  }

  onChange(cb: (c: SerialPortsChange) => void): () => void {
    return this.events.on('change', cb);
  }

  /**
   * A resync of one vPLC in its executor queue. Never rejects. A vPLC without ports and without states to clear is not
   * queued at all: its queue stays free for the re-attacher and edits, which defer or wait while it is busy.
   */
  resync(name: string, why: string): Promise<void> {
    if (this.portsOf(name).length === 0 && !this.byVplc.has(name) && !this.applied.has(name)) return Promise.resolve();
    const waiting = this.queued.get(name);
    if (waiting) return waiting;
    const p = this.d.exec
      .serial(name, async () => {
        this.queued.delete(name);
        await this.resyncHeld(name, why);
      })
      .catch((err: unknown) => this.d.log.warn('serial resync failed', { vplc: name, why, err: String(err) }));
    this.queued.set(name, p);
    return p;
  }

  /** Every vPLC with ports (or with states to clear). Never rejects. */
  async resyncAll(why: string): Promise<void> {
    const names = new Set([...this.d.store.desiredNames().filter((n) => this.portsOf(n).length > 0), ...this.byVplc.keys(), ...this.applied.keys()]);
    await Promise.all([...names].map((n) => this.resync(n, why)));
  }

  /** The vPLCs one of whose ports a changed device (added, removed or renumbered) may select. */
  affectedBy(c: SerialChange): string[] {
    const changed = candidatesOf({ devices: [...c.added, ...c.removed], ports: [...c.portsAdded, ...c.portsRemoved] });
    return this.d.store.desiredNames().filter((n) => this.portsOf(n).some((p) => matchSerialDevice(p.deviceId, changed).kind !== 'none'));
  }

  async devicesChanged(c: SerialChange): Promise<void> {
    await Promise.all(this.affectedBy(c).map((n) => this.resync(n, 'serial devices changed')));
  }

  /** A deleted vPLC: its container and nodes are gone. */
  forget(name: string): void {
    this.byVplc.delete(name);
    this.applied.delete(name);
  }

  /** A resync by a caller that holds the vPLC's executor queue (a start's re-provisioning). Never rejects. */
  async resyncHeld(name: string, why: string): Promise<void> {
    try {
      await this.resyncNow(name, why);
    } catch (err) {
      this.d.log.warn('serial resync failed', { vplc: name, why, err: dockerMessage(err) });
    }
  }

  private portsOf(name: string): SerialPortSpec[] {
    const d = this.d.store.getDesired(name);
    return d && !d.tombstone ? (d.spec?.serialPorts ?? []) : [];
  }

  private async resyncNow(name: string, why: string): Promise<void> {
    const desired = this.d.store.getDesired(name);
    if (!desired || desired.tombstone) {
      // Gone or being deleted: its container goes with its nodes.
      this.forget(name);
      return;
    }
    const ports = this.portsOf(name);
    if (ports.length === 0 && !this.applied.has(name)) {
      this.record(name, [], why);
      return;
    }
    const info = await this.d.engine.resolveVplc(name, this.d.store.installationId);
    if (!info?.State.Running) {
      this.applied.delete(name);
      this.record(name, ports.map((p) => disconnected(p, NOT_RUNNING)), why);
      return;
    }
    const incarnation = `${info.Id}@${info.State.StartedAt}`;
    let applied = this.applied.get(name);
    if (applied?.incarnation !== incarnation) {
      applied = { incarnation, containerId: info.Id, nodes: new Map(), swept: false };
      this.applied.set(name, applied);
    }
    const allowed = new Set(Object.values(desired.serial_majors ?? {}).flat());
    const candidates = candidatesOf(this.d.serial.current());
    const next: Computed[] = [];
    for (const p of ports) next.push(await this.resyncPort(name, applied, p, allowed, candidates, why));
    if (!applied.swept) await this.sweep(name, applied, ports, next, why);
    for (const [port, made] of [...applied.nodes]) {
      if (ports.some((p) => p.name === port)) continue;
      await this.drop(applied, port, made, { vplc: name, port, why: 'port no longer configured' });
    }
    if (ports.length === 0) this.applied.delete(name);
    this.record(name, next, why);
  }

  private async resyncPort(name: string, applied: Applied, p: SerialPortSpec, allowed: ReadonlySet<number>, candidates: readonly SerialCandidate[], why: string): Promise<Computed> {
    const about: NodeAbout = { vplc: name, port: p.name, why };
    const made = applied.nodes.get(p.name);
    const dropMade = async (): Promise<void> => {
      if (made) await this.drop(applied, p.name, made, about);
    };
    const m = matchSerialDevice(p.deviceId, candidates);
    if (m.kind === 'none') {
      await dropMade();
      return disconnected(p, `no device matches '${p.deviceId}'`);
    }
    if (m.kind === 'ambiguous') {
      await dropMade();
      const which = m.candidates.map((c) => c.deviceId ?? c.path).join(', ');
      return { ...disconnected(p, `'${p.deviceId}' matches ${m.candidates.length} devices: ${which}`), status: 'error' };
    }
    const dev = m.device;
    if (dev.major === null || dev.minor === null) {
      await dropMade();
      return withDevice(p, dev, 'error', `the device numbers of ${dev.path} could not be read`);
    }
    if (!allowed.has(dev.major)) {
      await dropMade();
      return withDevice(p, dev, 'error', `device major ${dev.major} is not allowed by this vPLC's device rules; it is added when the vPLC is recreated in its change window`);
    }
    if (made && made.containerPath === p.containerPath && made.major === dev.major && made.minor === dev.minor) return withDevice(p, dev, 'connected', null);
    if (made && made.containerPath !== p.containerPath) await this.drop(applied, p.name, made, about);
    applied.nodes.delete(p.name);
    const r = await makeNode(this.nodes, applied.containerId, { containerPath: p.containerPath, major: dev.major, minor: dev.minor }, about);
    if (!r.ok) return withDevice(p, dev, 'error', r.reason);
    applied.nodes.set(p.name, { containerPath: p.containerPath, major: dev.major, minor: dev.minor });
    return withDevice(p, dev, 'connected', null);
  }

  /**
   * The first resync of a container run in this agent run: a node a previous agent made for a device unplugged since
   * (or that another adapter now has the numbers of) is not in `applied`, so every configured path this resync did not
   * connect is cleared (`rm -f`). Removal failures are logged by removeNode; the sweep is not retried.
   */
  private async sweep(name: string, applied: Applied, ports: readonly SerialPortSpec[], states: readonly Computed[], why: string): Promise<void> {
    applied.swept = true;
    for (const [i, p] of ports.entries()) {
      if (states[i]?.status === 'connected' || applied.nodes.has(p.name)) continue;
      await removeNode(this.nodes, applied.containerId, p.containerPath, { vplc: name, port: p.name, why: `${why}: not connected at the first check of this container run` });
    }
  }

  /** Removes a node the tracker made; one that cannot be removed is forgotten all the same (logged by removeNode). */
  private async drop(applied: Applied, port: string, made: Made, about: NodeAbout): Promise<void> {
    applied.nodes.delete(port);
    await removeNode(this.nodes, applied.containerId, made.containerPath, about);
  }

  /** Keeps `since` of each unchanged state, and tells the listeners when anything changed. */
  private record(name: string, next: Computed[], why: string): void {
    const before = this.byVplc.get(name);
    if (next.length === 0) {
      if (!before) return;
      this.byVplc.delete(name);
      this.events.emit('change', { vplc: name, ports: [] });
      return;
    }
    const at = new Date(this.d.clock.now()).toISOString();
    const states = next.map((n): SerialPortState => {
      const old = before?.find((s) => s.name === n.name);
      return { ...n, since: old && sameState(old, n) ? old.since : at };
    });
    const changed = !before || before.length !== states.length || states.some((s, i) => !sameState(s, before[i] as SerialPortState));
    if (!changed) return;
    for (const s of states) {
      const old = before?.find((o) => o.name === s.name);
      if (!old || !sameState(old, s)) this.d.log.info('serial port status', { vplc: name, port: s.name, status: s.status, host: s.current_host_path, reason: s.reason, why });
    }
    this.byVplc.set(name, states);
    this.events.emit('change', { vplc: name, ports: states });
  }
}
