/**
 * The open runtime debug connections, keyed by who uses them (`webrtc:<id>`, `http:<device>`, `local:<vplc>`;
 * docs/debug.md "Sessions"). Credentials: the ones given, else the vPLC's stored runtime credentials, else the open
 * fails; the agent never tries a default user (docs/debug.md "Credentials").
 *
 * Opens of one key run one after the other (chained when called, so any number of them queue); a close of the key
 * (or of its vPLC) bumps the key's generation, and an open that started under an older generation closes the
 * connection it made and fails with `Session closed` instead of storing it.
 */
import type { TlsPinStore } from '../runtime/tls-pin.js';
import { RUNTIME_HTTPS_PORT } from '../runtime/types.js';
import { DEFAULT_DEBUG_CLIENT_TIMINGS, RuntimeDebugConnection, type DebugClientTimings } from './client.js';
import { DebugSessionError, SESSION_CLOSED } from './login.js';
import type { RuntimeCredentials, RuntimeDebugSession, RuntimeDebugSessions } from './types.js';

export type DebugSessionsDeps = {
  /** The vPLC's internal address (managed vPLCs only), or null. */
  target(vplc: string): Promise<{ internalIp: string } | null>;
  pins: TlsPinStore;
  /** The runtime credentials stored for the vPLC (docs/plc.md "Credentials"), or null. */
  storedCredentials(vplc: string): RuntimeCredentials | null;
  timings?: DebugClientTimings;
};

type Entry = { vplc: string; port: number; conn: RuntimeDebugConnection };
/** One open not finished yet (queued or logging in). */
type Pending = { key: string; vplc: string };
export type OpenOptions = { fresh?: boolean; generation?: number };

const noop = (): void => undefined;

export class DebugSessionRegistry implements RuntimeDebugSessions {
  readonly #open = new Map<string, Entry>();
  /** The last open of each key: the next one waits for it. */
  readonly #tail = new Map<string, Promise<unknown>>();
  readonly #pending = new Set<Pending>();
  readonly #generation = new Map<string, number>();

  constructor(private readonly deps: DebugSessionsDeps) {}

  /** Bumped by every close of `key`; an open that began under another generation does not keep its connection. */
  generation(key: string): number {
    return this.#generation.get(key) ?? 0;
  }

  /**
   * `fresh`: never reuse the open session (a debug_start logs in again). `generation`: the key's generation the caller
   * saw when its request arrived (a close since then makes the open fail); now by default.
   */
  open(key: string, vplc: string, credentials?: RuntimeCredentials, port: number = RUNTIME_HTTPS_PORT, opts: OpenOptions = {}): Promise<RuntimeDebugSession> {
    const generation = opts.generation ?? this.generation(key);
    const pending: Pending = { key, vplc };
    this.#pending.add(pending);
    const p = (this.#tail.get(key) ?? Promise.resolve())
      .catch(noop)
      .then(() => this.#replace(key, generation, vplc, credentials, port, opts.fresh === true))
      .finally(() => this.#pending.delete(pending));
    this.#tail.set(key, p);
    void p.catch(noop).then(() => {
      if (this.#tail.get(key) === p) this.#tail.delete(key);
    });
    return p;
  }

  #current(key: string, generation: number): void {
    if (this.generation(key) !== generation) throw new DebugSessionError(SESSION_CLOSED);
  }

  async #replace(key: string, generation: number, vplc: string, credentials: RuntimeCredentials | undefined, port: number, fresh: boolean): Promise<RuntimeDebugSession> {
    this.#current(key, generation);
    const existing = this.#open.get(key);
    // The same vPLC and port with no new credentials: the open session serves (the local view reopening its key).
    if (!fresh && existing && existing.vplc === vplc && existing.port === port && credentials === undefined) return existing.conn;
    this.#drop(key);
    const creds = credentials ?? this.deps.storedCredentials(vplc);
    if (creds === null) {
      throw new DebugSessionError(`Authentication failed: no runtime credentials are stored for ${vplc}; give username and password in debug_start or save them in the app`);
    }
    const target = await this.deps.target(vplc);
    if (target === null) throw new DebugSessionError(`Device ${vplc} not found`);
    this.#current(key, generation);
    const conn = new RuntimeDebugConnection({ deviceId: vplc, host: target.internalIp, port, pins: this.deps.pins }, creds, this.deps.timings ?? DEFAULT_DEBUG_CLIENT_TIMINGS);
    await conn.open();
    if (this.generation(key) !== generation) {
      conn.close();
      throw new DebugSessionError(SESSION_CLOSED);
    }
    this.#drop(key);
    this.#open.set(key, { vplc, port, conn });
    return conn;
  }

  get(key: string): RuntimeDebugSession | null {
    return this.#open.get(key)?.conn ?? null;
  }

  /** The vPLC a session is open to. */
  vplcOf(key: string): string | null {
    return this.#open.get(key)?.vplc ?? null;
  }

  keys(): string[] {
    return [...this.#open.keys()];
  }

  /** Closes the session `key` and makes any open of it still in progress fail with `Session closed`. */
  close(key: string): Promise<void> {
    this.#generation.set(key, this.generation(key) + 1);
    this.#drop(key);
    return Promise.resolve();
  }

  /** Every session of one vPLC (deleted, stopped, recreated), opens in progress included; the keys closed. */
  async closeVplc(vplc: string): Promise<string[]> {
    const keys = new Set([...this.#open].filter(([, e]) => e.vplc === vplc).map(([k]) => k));
    for (const p of this.#pending) if (p.vplc === vplc) keys.add(p.key);
    await Promise.all([...keys].map((k) => this.close(k)));
    return [...keys];
  }

  async closeAll(): Promise<void> {
    const keys = new Set([...this.keys(), ...[...this.#pending].map((p) => p.key)]);
    await Promise.all([...keys].map((k) => this.close(k)));
  }

  #drop(key: string): void {
    const e = this.#open.get(key);
    this.#open.delete(key);
    e?.conn.close();
  }
}
