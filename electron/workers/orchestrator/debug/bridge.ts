/**
 * The debug bridge (docs/debug.md "Cloud debug messages"): one debug message of docs/protocol.md §4.11 on a keyed
 * session → one reply. Never rejects: every failure is a `debug_error` with the protocol's text. Run_command sessions
 * (`http:<device>`) close after the idle time, checked every sweep period.
 */
import { formatHex } from '../../../../shared/debug/hex.js';
import { LEGACY_MAX_LIST, V4_MAX_LIST } from '../../../../shared/debug/protocol.js';
import { parseDebugMessage, type DebugIndex, type DebugRequest } from '../../../../shared/debug/messages.js';
import type { DebugMap } from '../../../../shared/debug/debug-map.js';
import type { DebugBridge, DebugMessageInput, DebugReply, VarAddress } from '../../../../shared/debug/types.js';
import type { VplcEvent } from '../context.js';
import type { ForcedMarks } from './live-vars.js';
import { SESSION_CLOSED } from './login.js';
import type { DebugSessionRegistry } from './sessions.js';
import { expectedSize, OUT_OF_BOUNDS, toAddress, toAddresses, variableCount, type Layout } from './translate.js';

export const NO_SESSION = 'No active debug session. Send debug_start first.';

export type DebugBridgeTimings = {
  /** A run_command session unused this long is closed (docs/protocol.md §4.11: 300 s). */
  idleMs: number;
  /** How often idle sessions are looked for (60 s). */
  sweepMs: number;
};

export type DebugBridgeDeps = {
  sessions: DebugSessionRegistry;
  /** Whether `device` is a managed vPLC of this agent. */
  hasDevice(device: string): Promise<boolean>;
  /** The debug map of the program loaded in the vPLC, when the agent has one (size checks of GET_LIST replies). */
  debugMap?(vplc: string): Promise<DebugMap | null>;
  now(): number;
  timings: DebugBridgeTimings;
  /** The forced marks shared with the live variables: a force or release of a variable of the map is recorded there. */
  forced?: ForcedMarks;
  log?: (msg: string, data: Record<string, unknown>) => void;
  /** Tells the journal of a cloud force or release (`plc-force`, docs/debug.md "Forcing"). */
  emit?: (e: VplcEvent) => void;
};

/** What the bridge remembers of one session: INFO's layout (refreshed when the program changes) and the last md5. */
type SessionState = { layout: Layout | null; md5: string | null; lastUsedMs: number };

const err = (error: string): DebugReply => ({ type: 'debug_error', error });

function message(e: unknown): string {
  if (e instanceof Error) return e.message === '' ? e.name : e.message;
  return 'Internal error';
}

const shownIndex = (i: DebugIndex): string => (typeof i === 'number' ? String(i) : `${i.array}:${i.element}`);

export class RuntimeDebugBridge implements DebugBridge {
  readonly #state = new Map<string, SessionState>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(private readonly deps: DebugBridgeDeps) {
    this.#sweeper = setInterval(() => void this.sweep(), deps.timings.sweepMs);
    this.#sweeper.unref();
  }

  async handle(input: DebugMessageInput): Promise<DebugReply> {
    try {
      const parsed = parseDebugMessage(input.message, input.path);
      if (!parsed.ok) return err(parsed.error);
      return await this.#dispatch(input, parsed.request);
    } catch (e) {
      // Unreachable by design (every step answers), kept so the bridge never rejects.
      return err(message(e));
    }
  }

  close(session: string): Promise<void> {
    this.#state.delete(session);
    return this.deps.sessions.close(session);
  }

  hasDevice(deviceId: string): Promise<boolean> {
    return this.deps.hasDevice(deviceId).catch(() => false);
  }

  /** Closes every session of a vPLC (it was deleted, stopped or recreated). */
  async closeVplc(vplc: string): Promise<void> {
    for (const key of await this.deps.sessions.closeVplc(vplc)) this.#state.delete(key);
  }

  /** Closes run_command sessions idle longer than `idleMs`; returns their keys. */
  async sweep(): Promise<string[]> {
    const now = this.deps.now();
    const idle = [...this.#state].filter(([k, s]) => k.startsWith('http:') && now - s.lastUsedMs >= this.deps.timings.idleMs).map(([k]) => k);
    await Promise.all(idle.map((k) => this.close(k)));
    if (idle.length > 0) this.deps.log?.('idle debug sessions closed', { sessions: idle });
    return idle;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#state.clear();
    await this.deps.sessions.closeAll();
  }

  async #dispatch(input: DebugMessageInput, req: DebugRequest): Promise<DebugReply> {
    const key = input.session;
    if (req.type === 'debug_start') return this.#start(input, req);
    if (req.type === 'debug_stop') {
      await this.close(key);
      return { type: 'debug_disconnected' };
    }
    const session = this.deps.sessions.get(key);
    const state = this.#state.get(key);
    if (session === null || state === undefined) return err(NO_SESSION);
    state.lastUsedMs = this.deps.now();
    try {
      switch (req.type) {
        case 'debug_get_md5': {
          const md5 = await session.md5();
          if (state.md5 !== null && state.md5 !== md5) state.layout = null;
          state.md5 = md5;
          return { type: 'debug_md5_response', md5 };
        }
        case 'debug_info': {
          state.layout = await session.info();
          return { type: 'debug_info_response', variable_count: variableCount(state.layout) };
        }
        case 'debug_get_list':
          return await this.#getList(key, state, req.indexes);
        case 'debug_set': {
          const layout = state.layout ?? (state.layout = await session.info());
          const address = toAddress(req.index, layout);
          if (address === null) return err(OUT_OF_BOUNDS);
          const value = Buffer.from(req.value);
          await session.set(address, req.force, value);
          this.#recordForce(input, address, req.force, value, await this.#mark(key, address, req.force));
          return { type: 'debug_set_response', success: true };
        }
      }
    } catch (e) {
      // The program may have changed under us: read INFO again next time.
      state.layout = null;
      return err(message(e));
    }
  }

  async #start(input: DebugMessageInput, req: Extract<DebugRequest, { type: 'debug_start' }>): Promise<DebugReply> {
    // Over WebRTC the message may name the device; it must be the session's own (docs/debug.md).
    const device = input.device_id;
    const sessions = this.deps.sessions;
    // A debug_stop, webrtc:disconnect or vPLC close that comes after this message has the last word.
    const generation = sessions.generation(input.session);
    if (req.device_id !== undefined && req.device_id !== device) return err(`Device ${req.device_id} not found`);
    this.#state.delete(input.session);
    if (!(await this.hasDevice(device))) {
      await sessions.close(input.session);
      return err(`Device ${device} not found`);
    }
    try {
      await sessions.open(input.session, device, req.credentials, req.port, { fresh: true, generation });
      if (sessions.generation(input.session) !== generation) return err(SESSION_CLOSED);
    } catch (e) {
      return err(message(e));
    }
    this.#state.set(input.session, { layout: null, md5: null, lastUsedMs: this.deps.now() });
    return { type: 'debug_connected' };
  }

  /**
   * Records a force or release of a variable of the vPLC's map in the shared forced marks; returns the variable's path
   * when the stored map has the address.
   */
  async #mark(key: string, address: VarAddress, force: boolean): Promise<string | null> {
    const vplc = this.deps.sessions.vplcOf(key);
    if (vplc === null) return null;
    const map = (await this.deps.debugMap?.(vplc).catch(() => null)) ?? null;
    const leaf = map?.leaves.find((l) => l.arrayIdx === address.array && l.elemIdx === address.element);
    if (!map || !leaf) return null;
    this.deps.forced?.mark(vplc, map.md5, leaf.path, force);
    return leaf.path;
  }

  /** A cloud force or release, in the agent log and (through a `plc-force` event) in the vPLC's journal. */
  #recordForce(input: DebugMessageInput, address: VarAddress, force: boolean, value: Buffer, path: string | null): void {
    const vplc = this.deps.sessions.vplcOf(input.session) ?? input.device_id;
    const variable = path ?? `variable ${String(address.array)}:${String(address.element)}`;
    const via = input.session.startsWith('webrtc:') ? 'webrtc' : 'run_command';
    const over = via === 'webrtc' ? `over WebRTC session ${input.session.slice('webrtc:'.length)}` : 'over run_command';
    const hex = formatHex(value);
    const detail = force ? `${variable} forced to ${hex} ${over}` : `${variable} released ${over}`;
    this.deps.log?.(force ? 'variable forced by the cloud' : 'variable released by the cloud', {
      vplc,
      session: input.session,
      via,
      address: `${String(address.array)}:${String(address.element)}`,
      ...(path ? { path } : {}),
      ...(force ? { value: hex } : {}),
    });
    this.deps.emit?.({ kind: 'changed', name: vplc, reason: 'plc-force', detail });
  }

  async #getList(key: string, state: SessionState, indexes: readonly DebugIndex[]): Promise<DebugReply> {
    const session = this.deps.sessions.get(key);
    if (session === null) return err(NO_SESSION);
    const layout = state.layout ?? (state.layout = await session.info());
    const max = layout.legacy ? LEGACY_MAX_LIST : V4_MAX_LIST;
    if (indexes.length > max) return err(`Too many indexes: ${indexes.length} (at most ${max})`);
    const mapped = toAddresses(indexes, layout);
    if (!mapped.ok) {
      this.deps.log?.('debug index outside the program', { session: key, index: shownIndex(mapped.index) });
      return err(OUT_OF_BOUNDS);
    }
    const vplc = this.deps.sessions.vplcOf(key);
    const expected = vplc === null ? null : expectedSize(mapped.addresses, (await this.deps.debugMap?.(vplc)) ?? null, state.md5);
    if (expected === 'not-in-program') return err(OUT_OF_BOUNDS);
    const r = await session.getList(mapped.addresses);
    // A v4 runtime skips addresses it does not have without saying so: with the map, a short reply is detected.
    if (expected !== null && r.data.length !== expected) return err(OUT_OF_BOUNDS);
    return { type: 'debug_values_response', tick: r.tick, data: formatHex(r.data) };
  }
}
