/**
 * Live variables of a vPLC for the local UI (docs/debug.md "Live variables"): reads the variables of the vPLC's map on
 * the runtime debug session `local:<vplc>`, forces and releases them, and remembers what it forced (the runtime does
 * not report it). Nothing polls here: the UI's reads are the only traffic, and a session nobody read for `idleMs` is
 * closed. Values are shown only while the map's md5 is the loaded program's.
 */
import type { DebugMap, DebugMapLeaf } from '../../../../shared/debug/debug-map.js';
import type { DebugMapView, LiveRead, LiveSetResult, LiveVariable } from '../../../../shared/debug/live.js';
import { decodeValue, encodeValue, ValueError, type LiveValue } from '../../../../shared/debug/values.js';
import type { Requester } from '../../../../shared/domain/vplc.js';
import { WorkerError } from '../../../lib/worker/host.js';
import type { Logger, VplcEvent } from '../context.js';
import { clearsForcedMarks } from './events.js';
import { MapError, readDebugMapFile, debugMapOfBundle, type DebugMapStore, type StoredDebugMap } from './map-store.js';
import type { RuntimeDebugSession, RuntimeDebugSessions } from './types.js';

/** The runtime takes 1-1024 entries per GET_LIST. */
export const MAX_LIST_ENTRIES = 1_024;
export const DEFAULT_IDLE_MS = 10_000;

export type LiveVarsDeps = {
  /** The runtime debug sessions (looked up on each use: the orchestrator may replace them). */
  sessions: () => RuntimeDebugSessions;
  maps: DebugMapStore;
  exists: (name: string) => boolean;
  hasCredentials: (name: string) => boolean;
  now: () => number;
  log: Logger;
  idleMs?: number;
  /** The forced marks, shared with the debug bridge (a registry of its own when absent). */
  forced?: ForcedMarks;
  /** Tells the journal which forced variables a runtime stop or restart released (`plc-forces-cleared`). */
  emit?: (e: VplcEvent) => void;
};

type Forced = { md5: string; paths: Set<string> };

/**
 * What this agent forced, per vPLC and program md5 (the runtime does not report it): by our live variables and by the
 * cloud's `debug_set` through the bridge when the address is a variable of the stored map. One registry, shared by both
 * (docs/debug.md "Forcing"); a vPLC's marks go when its runtime restarts (`clearsForcedMarks`).
 */
export class ForcedMarks {
  readonly #byVplc = new Map<string, Forced>();

  /** The paths forced in the program `md5`; a mark of another program is forgotten. */
  paths(vplc: string, md5: string): Set<string> {
    const known = this.#byVplc.get(vplc);
    if (known && sameMd5(known.md5, md5)) return known.paths;
    const fresh: Forced = { md5, paths: new Set() };
    this.#byVplc.set(vplc, fresh);
    return fresh.paths;
  }

  mark(vplc: string, md5: string, path: string, force: boolean): void {
    const paths = this.paths(vplc, md5);
    if (force) paths.add(path);
    else paths.delete(path);
  }

  /** Forgets the vPLC's marks; returns the paths that were forced. */
  forget(vplc: string): string[] {
    const paths = [...(this.#byVplc.get(vplc)?.paths ?? [])];
    this.#byVplc.delete(vplc);
    return paths;
  }
}

const keyOf = (name: string): string => `local:${name}`;
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const NO_CREDENTIALS = (name: string): string => `store the runtime credentials of ${name} first (the vPLC's PLC card): live variables log in to its runtime`;
const NO_MAP = (name: string): string => `no variable map for ${name}: upload a program bundle that has debug-map.json, or load the map from a file`;
const MISMATCH = 'the map belongs to another program than the one loaded in the runtime: load the map of the running program';

export class LiveVars {
  private readonly lastUse = new Map<string, number>();
  private readonly forced: ForcedMarks;
  private readonly idleMs: number;
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly deps: LiveVarsDeps) {
    this.idleMs = deps.idleMs ?? DEFAULT_IDLE_MS;
    this.forced = deps.forced ?? new ForcedMarks();
  }

  /** A vPLC event: after a stop, start, restart or recreate the runtime forgot every force, and so do the marks. */
  vplcChanged(e: VplcEvent): void {
    if (!clearsForcedMarks(e)) return;
    const released = this.forced.forget(e.name);
    if (e.kind === 'changed' && released.length > 0) {
      this.deps.emit?.({ kind: 'changed', name: e.name, reason: 'plc-forces-cleared', detail: `forced variables released with the runtime (${e.reason}): ${released.sort().join(', ')}` });
    }
  }

  /**
   * Enables the idle sweep. Its timer runs only while a live-variables session is open: an idle agent with nobody
   * watching variables takes no wake-up for it (and the timer never keeps the process alive).
   */
  start(): void {
    this.started = true;
    this.arm();
  }

  /** True while the idle sweep's timer is armed (for tests). */
  get sweeping(): boolean {
    return this.timer !== undefined;
  }

  /** Closes every session nobody used for `idleMs` (the view was closed). Never rejects. */
  async sweep(): Promise<void> {
    const now = this.deps.now();
    for (const [name, at] of [...this.lastUse]) {
      if (now - at < this.idleMs) continue;
      this.lastUse.delete(name);
      await this.deps.sessions().close(keyOf(name)).catch((err: unknown) => this.deps.log.warn('live variables: closing an idle session failed', { vplc: name, err: message(err) }));
    }
    this.disarmIfIdle();
  }

  private arm(): void {
    if (!this.started || this.timer !== undefined || this.lastUse.size === 0) return;
    this.timer = setInterval(() => void this.sweep(), Math.max(1_000, Math.floor(this.idleMs / 2)));
    this.timer.unref();
  }

  private disarmIfIdle(): void {
    if (this.lastUse.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async mapView(name: string): Promise<DebugMapView> {
    this.existing(name);
    const stored = await this.storedMap(name);
    const view = { name, map: stored ? summary(stored) : null };
    if (!this.deps.hasCredentials(name)) return { ...view, runtime_md5: null, md5_ok: null, check_error: NO_CREDENTIALS(name) };
    try {
      const md5 = await (await this.session(name)).md5();
      return { ...view, runtime_md5: md5, md5_ok: stored ? sameMd5(md5, stored.map.md5) : null, check_error: null };
    } catch (err) {
      return { ...view, runtime_md5: null, md5_ok: null, check_error: message(err) };
    }
  }

  /** Stores the map the user picked (debug-map.json or a bundle holding one) as this vPLC's map. */
  async loadMap(name: string, file: string, by: Requester): Promise<DebugMapView> {
    this.existing(name);
    let map: DebugMap;
    try {
      map = await readDebugMapFile(file);
    } catch (err) {
      if (err instanceof MapError) throw new WorkerError('VALIDATION', err.message, 'path');
      throw err;
    }
    await this.deps.maps.put(name, map, 'file', file);
    this.forced.forget(name);
    this.deps.log.info('variable map loaded from a file', { vplc: name, file, md5: map.md5, leaves: map.leaves.length, by });
    return this.mapView(name);
  }

  /** After a program bundle compiled: its map (if it has one) becomes the vPLC's. Never rejects. */
  async programLoaded(name: string, bundle: { filename: string; data: Buffer }): Promise<void> {
    try {
      const map = debugMapOfBundle(bundle.data);
      if (!map) return;
      await this.deps.maps.put(name, map, 'upload', bundle.filename);
      this.forced.forget(name);
      this.deps.log.info('variable map kept from the uploaded program', { vplc: name, file: bundle.filename, md5: map.md5, leaves: map.leaves.length });
    } catch (err) {
      this.deps.log.warn('the uploaded program\'s debug-map.json was not kept', { vplc: name, file: bundle.filename, err: message(err) });
    }
  }

  /** One read of `paths` (all the map's variables when absent): one GET_LIST per 1024 of them. */
  async read(name: string, paths?: readonly string[]): Promise<LiveRead> {
    this.existing(name);
    const stored = await this.storedMap(name);
    if (!stored) return { status: 'no_map', message: NO_MAP(name), tick: null, md5_ok: null, variables: [] };
    if (!this.deps.hasCredentials(name)) return { status: 'no_credentials', message: NO_CREDENTIALS(name), tick: null, md5_ok: null, variables: [] };
    const leaves = pick(stored.map, paths);
    const session = await this.session(name);
    const md5 = await this.runtime(name, () => session.md5());
    if (!sameMd5(md5, stored.map.md5)) {
      this.forced.forget(name);
      return { status: 'md5_mismatch', message: MISMATCH, tick: null, md5_ok: false, variables: [] };
    }
    const forced = this.forced.paths(name, md5);
    let tick = 0;
    const variables: LiveVariable[] = [];
    for (let i = 0; i < leaves.length; i += MAX_LIST_ENTRIES) {
      const chunk = leaves.slice(i, i + MAX_LIST_ENTRIES);
      const answer = await this.runtime(name, () => session.getList(chunk.map((l) => ({ array: l.arrayIdx, element: l.elemIdx }))));
      tick = answer.tick;
      variables.push(...split(chunk, answer.data, session.littleEndian, forced));
    }
    return { status: 'ok', message: null, tick, md5_ok: true, variables };
  }

  /** Forces `path` to `value`, or releases it. Refused while the map is not the loaded program's. */
  async set(name: string, path: string, force: boolean, value: LiveValue | undefined, by: Requester): Promise<LiveSetResult> {
    this.existing(name);
    const stored = await this.storedMap(name);
    if (!stored) throw new WorkerError('CONFLICT', NO_MAP(name));
    if (!this.deps.hasCredentials(name)) throw new WorkerError('CONFLICT', NO_CREDENTIALS(name));
    const leaf = stored.map.leaves.find((l) => l.path === path);
    if (!leaf) throw new WorkerError('VALIDATION', `${path} is not a variable of ${name}'s map`, 'path');
    if (force && value === undefined) throw new WorkerError('VALIDATION', 'give the value to force', 'value');
    const session = await this.session(name);
    let bytes: Buffer = Buffer.alloc(0);
    if (force) {
      try {
        bytes = Buffer.from(encodeValue(leaf.type, leaf.size, value as LiveValue, session.littleEndian));
      } catch (err) {
        if (err instanceof ValueError) throw new WorkerError('VALIDATION', `${path}: ${err.message}`, err.field === 'value' ? 'value' : 'path');
        throw err;
      }
    }
    const md5 = await this.runtime(name, () => session.md5());
    if (!sameMd5(md5, stored.map.md5)) throw new WorkerError('CONFLICT', MISMATCH);
    await this.runtime(name, () => session.set({ array: leaf.arrayIdx, element: leaf.elemIdx }, force, bytes));
    this.forced.mark(name, md5, path, force);
    const shown = force ? decodeValue(leaf.type, leaf.size, bytes, session.littleEndian) : null;
    this.deps.log.info(force ? 'live variable forced' : 'live variable released', { vplc: name, path, by, ...(force ? { value: String(shown) } : {}) });
    return { path, forced: force, value: shown, message: force ? `${path} is forced to ${String(shown)}` : `${path} is released` };
  }

  /** The vPLC was deleted: its session, its map and what was forced go with it. Never rejects. */
  async forget(name: string): Promise<void> {
    this.lastUse.delete(name);
    this.disarmIfIdle();
    this.forced.forget(name);
    await this.deps.sessions().close(keyOf(name)).catch(() => undefined);
    await this.deps.maps.remove(name).then(
      (removed) => (removed ? this.deps.log.info('variable map removed with the vPLC', { vplc: name }) : undefined),
      (err: unknown) => this.deps.log.warn('variable map of a deleted vPLC could not be removed', { vplc: name, err: message(err) }),
    );
  }

  async close(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const names = [...this.lastUse.keys()];
    this.lastUse.clear();
    await Promise.all(names.map((n) => this.deps.sessions().close(keyOf(n)).catch(() => undefined)));
  }

  private existing(name: string): void {
    if (!this.deps.exists(name)) throw new WorkerError('NOT_FOUND', `no vPLC named ${name}`, 'name');
  }

  /** The vPLC's variable map, for the bridge's size checks of cloud reads; null when there is none or it cannot be read. */
  async mapOf(name: string): Promise<DebugMap | null> {
    return (await this.deps.maps.get(name).catch(() => null))?.map ?? null;
  }

  private async storedMap(name: string): Promise<StoredDebugMap | null> {
    try {
      return await this.deps.maps.get(name);
    } catch (err) {
      throw new WorkerError('UNAVAILABLE', `the variable map of ${name} could not be read: ${message(err)}`);
    }
  }

  private async session(name: string): Promise<RuntimeDebugSession> {
    this.lastUse.set(name, this.deps.now());
    this.arm();
    return this.runtime(name, () => this.deps.sessions().open(keyOf(name), name));
  }

  /** A runtime failure as the API's refusal, with the runtime's words. */
  private async runtime<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkerError) throw err;
      throw new WorkerError('UNAVAILABLE', `live variables of ${name}: ${message(err)}`);
    }
  }

}

function sameMd5(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function summary(s: StoredDebugMap): NonNullable<DebugMapView['map']> {
  return { source: s.source, source_name: s.source_name, saved_at: s.saved_at, md5: s.map.md5, leaves: s.map.leaves.map((l) => ({ path: l.path, type: l.type, size: l.size })) };
}

/** The leaves of `paths` in the order asked, or all of them; an unknown path is refused on `paths`. */
function pick(map: DebugMap, paths: readonly string[] | undefined): DebugMapLeaf[] {
  if (!paths) return map.leaves;
  const byPath = new Map(map.leaves.map((l) => [l.path, l]));
  return paths.map((p) => {
    const leaf = byPath.get(p);
    if (!leaf) throw new WorkerError('VALIDATION', `${p} is not a variable of the map`, 'paths');
    return leaf;
  });
}

/**
 * The values of one GET_LIST answer, each exactly its leaf's size. The runtime skips addresses it does not have
 * without saying which, so a length other than the sum of the sizes means the map does not fit the program: nothing is
 * shown against its names then.
 */
function split(leaves: readonly DebugMapLeaf[], data: Buffer, littleEndian: boolean, forced: ReadonlySet<string>): LiveVariable[] {
  const want = leaves.reduce((n, l) => n + l.size, 0);
  if (data.length !== want) {
    throw new WorkerError('CONFLICT', `the runtime returned ${data.length} bytes for ${leaves.length} variables where the map expects ${want}: ${MISMATCH}`);
  }
  let at = 0;
  return leaves.map((leaf) => {
    const bytes = data.subarray(at, at + leaf.size);
    at += leaf.size;
    const base = { path: leaf.path, type: leaf.type, forced: forced.has(leaf.path) };
    try {
      return { ...base, value: decodeValue(leaf.type, leaf.size, bytes, littleEndian) };
    } catch (err) {
      return { ...base, value: null, error: message(err) };
    }
  });
}
