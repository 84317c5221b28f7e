/**
 * One debug connection to a runtime (docs/debug.md "Runtime side"): Socket.IO namespace `/api/debug`, websocket only,
 * the JWT in `auth.token`, the certificate pinned. The runtime's replies carry no request id and may come back out of
 * order, so one command is in flight at a time (a queue), each answered within the command timeout; a command that
 * times out drops the connection, so a late reply can never answer the next command. A connection the runtime dropped
 * is opened again (a new login) by the next command.
 */
import type { io as SocketIo, Socket } from 'socket.io-client';
import { z } from 'zod';
import { formatHex } from '../../../../shared/debug/hex.js';
import {
  DebugProtocolError,
  FC,
  decodeInfo,
  decodeMd5,
  decodeSet,
  decodeValues,
  encodeGetListLegacy,
  encodeGetListV4,
  encodeInfo,
  encodeMd5,
  encodeSetLegacy,
  encodeSetV4,
  replyBytes,
  type FunctionCode,
} from '../../../../shared/debug/protocol.js';
import type { VarAddress } from '../../../../shared/debug/types.js';
import { DebugSessionError, SESSION_CLOSED, isTlsPort, loginRuntime, PinnedRuntimeAgent, type RuntimeHost } from './login.js';
import type { RuntimeCredentials, RuntimeDebugSession } from './types.js';

export type DebugClientTimings = {
  /** Login plus Socket.IO connect plus the runtime's `connected` event (docs/protocol.md §4.11: 10 s). */
  connectMs: number;
  /** One command's answer (docs/protocol.md §4.11: 5 s). */
  commandMs: number;
};

/**
 * Commands one connection holds at most, the one in flight included (docs/debug.md "Runtime side"): each waits for the
 * one before it, so a longer queue only answers later than anyone waits; the rest are answered `Busy: …` at once.
 */
export const MAX_PENDING_COMMANDS = 32;
export const DEFAULT_DEBUG_CLIENT_TIMINGS: Readonly<DebugClientTimings> = Object.freeze({ connectMs: 10_000, commandMs: 5_000 });

const RuntimeReply = z.union([
  z.object({ success: z.literal(true), data: z.string() }),
  z.object({ success: z.literal(false), error: z.string() }),
]);

function shorten(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

export class RuntimeDebugConnection implements RuntimeDebugSession {
  #socket: Socket | null = null;
  #connecting: Promise<Socket> | null = null;
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;
  /** Fails the command in flight (close and drop), or null. */
  #abort: ((err: Error) => void) | null = null;
  #closed = false;
  #legacy = false;
  #littleEndian = true;
  // Private fields: util.inspect and JSON never show the password.
  readonly #target: RuntimeHost;
  readonly #credentials: RuntimeCredentials;
  readonly #timings: DebugClientTimings;

  constructor(target: RuntimeHost, credentials: RuntimeCredentials, timings: DebugClientTimings = DEFAULT_DEBUG_CLIENT_TIMINGS) {
    this.#target = target;
    this.#credentials = credentials;
    this.#timings = timings;
  }

  /** Logs in and connects; rejects with the protocol's text (`Authentication failed: …`, `Timeout: …`, …). */
  async open(): Promise<this> {
    await this.#ensureSocket();
    return this;
  }

  get littleEndian(): boolean {
    return this.#littleEndian;
  }

  get connected(): boolean {
    return this.#socket?.connected === true;
  }

  async info(): Promise<{ arrays: number[]; legacy: boolean }> {
    const r = decodeInfo(await this.#command(encodeInfo(), FC.INFO));
    this.#legacy = r.legacy;
    return r;
  }

  async md5(): Promise<string> {
    const r = decodeMd5(await this.#command(encodeMd5(), FC.GET_MD5));
    this.#littleEndian = r.littleEndian;
    return r.md5;
  }

  async getList(addresses: readonly VarAddress[]): Promise<{ tick: number; lastIndex: number; data: Buffer }> {
    const req = this.#legacy ? encodeGetListLegacy(addresses.map((a) => a.element)) : encodeGetListV4(addresses);
    const r = decodeValues(await this.#command(req, FC.GET_LIST));
    return { ...r, data: Buffer.from(r.data) };
  }

  async set(address: VarAddress, force: boolean, value: Buffer): Promise<void> {
    const req = this.#legacy ? encodeSetLegacy(address.element, force, value) : encodeSetV4(address, force, value);
    decodeSet(await this.#command(req, FC.SET));
  }

  /** Disconnects; pending and later commands fail with `Session closed`. */
  close(): void {
    this.#closed = true;
    this.#drop();
  }

  #drop(): void {
    const s = this.#socket;
    this.#socket = null;
    this.#abort?.(new DebugSessionError(SESSION_CLOSED));
    s?.removeAllListeners();
    s?.disconnect();
  }

  /** Queued: the next command is written only after the previous one was answered or gave up. */
  #command(bytes: Uint8Array, fc: FunctionCode): Promise<Uint8Array> {
    if (this.#pending >= MAX_PENDING_COMMANDS) {
      return Promise.reject(new DebugSessionError(`Busy: ${MAX_PENDING_COMMANDS} debug commands are already waiting on this session; send more after they are answered`));
    }
    this.#pending += 1;
    const run = this.#tail.then(() => this.#exchange(bytes, fc)).finally(() => (this.#pending -= 1));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /**
   * One command; a connection that drops under it is opened again and the command sent once more (every command is
   * idempotent: reads, and SET writes a value or releases it).
   */
  async #exchange(bytes: Uint8Array, fc: FunctionCode): Promise<Uint8Array> {
    try {
      return await this.#once(bytes, fc);
    } catch (err) {
      if (!(err instanceof DroppedError) || this.#closed) throw err;
      return this.#once(bytes, fc);
    }
  }

  async #once(bytes: Uint8Array, fc: FunctionCode): Promise<Uint8Array> {
    const socket = await this.#ensureSocket();
    const reply = await new Promise<unknown>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#abort = null;
        socket.off('debug_response', onReply);
        socket.off('disconnect', onGone);
      };
      this.#abort = (err: Error): void => {
        done();
        reject(err);
      };
      const onReply = (payload: unknown): void => {
        done();
        resolve(payload);
      };
      const onGone = (reason: string): void => {
        done();
        reject(new DroppedError(`Runtime disconnected: ${reason}`));
      };
      const timer = setTimeout(() => {
        done();
        // A late reply must not answer the next command: this connection is not used again.
        if (this.#socket === socket) this.#drop();
        reject(new DebugSessionError(`Timeout: no debug_response from the runtime within ${this.#timings.commandMs / 1000} s`));
      }, this.#timings.commandMs);
      timer.unref();
      socket.on('debug_response', onReply);
      socket.on('disconnect', onGone);
      socket.emit('debug_command', { command: formatHex(bytes) });
    });
    const parsed = RuntimeReply.safeParse(reply);
    if (!parsed.success) throw new DebugProtocolError(`unreadable debug_response: ${shorten(JSON.stringify(reply) ?? String(reply))}`);
    if (!parsed.data.success) throw new DebugProtocolError(parsed.data.error);
    return replyBytes(parsed.data.data, fc);
  }

  #ensureSocket(): Promise<Socket> {
    if (this.#closed) return Promise.reject(new DebugSessionError(SESSION_CLOSED));
    if (this.#socket?.connected === true) return Promise.resolve(this.#socket);
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = null));
    return this.#connecting;
  }

  /** A fresh login (the runtime's tokens live 15 min; one is never reused for a later connect), then Socket.IO. */
  async #connect(): Promise<Socket> {
    this.#drop();
    const deadline = Date.now() + this.#timings.connectMs;
    const token = await withDeadline(loginRuntime(this.#target, this.#credentials, this.#timings.connectMs), this.#timings.connectMs, 'no answer to the login');
    // socket.io-client is loaded with the first debug session, not with the worker (docs/testing.md P3).
    const { io } = await import('socket.io-client');
    const socket = await this.#socketIo(io, token, Math.max(1, deadline - Date.now()));
    if (this.#closed) {
      socket.removeAllListeners();
      socket.disconnect();
      throw new DebugSessionError(SESSION_CLOSED);
    }
    this.#socket = socket;
    return socket;
  }

  #socketIo(io: typeof SocketIo, token: string, timeoutMs: number): Promise<Socket> {
    const { host, port } = this.#target;
    const tls = isTlsPort(port);
    const socket = io(`${tls ? 'https' : 'http'}://${host}:${port}/api/debug`, {
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
      ...(tls ? { agent: new PinnedRuntimeAgent(this.#target, timeoutMs) as unknown as string } : {}),
    });
    return new Promise<Socket>((resolve, reject) => {
      const fail = (err: DebugSessionError): void => {
        clearTimeout(timer);
        socket.removeAllListeners();
        socket.disconnect();
        reject(err);
      };
      const timer = setTimeout(() => fail(new DebugSessionError(`Timeout: the runtime did not confirm the debug connection within ${timeoutMs / 1000} s`)), timeoutMs);
      socket.on('connect_error', (err: Error & { description?: unknown; type?: unknown }) => {
        // A transport failure carries what the WebSocket saw (an Error or an ErrorEvent); a refusal by the server does not.
        const cause = transportCause(err);
        if (cause instanceof DebugSessionError) fail(cause);
        else if (cause !== null || err.type === 'TransportError') fail(new DebugSessionError(`Runtime unreachable: ${scrub(cause?.message ?? err.message, token)}`));
        else fail(new DebugSessionError(`Authentication failed: ${scrub(err.message, token)}`));
      });
      socket.once('connected', () => {
        clearTimeout(timer);
        socket.off('connect_error');
        resolve(socket);
      });
    });
  }
}

class DroppedError extends DebugSessionError {}

/** The error under a Socket.IO transport failure: `description` is an Error, or an ErrorEvent with `error`/`message`. */
function transportCause(err: { description?: unknown }): Error | null {
  const d = err.description;
  if (d instanceof Error) return d;
  if (typeof d === 'object' && d !== null) {
    if ('error' in d && d.error instanceof Error) return d.error;
    if ('message' in d && typeof d.message === 'string') return new Error(d.message);
  }
  return null;
}

function scrub(text: string, secret: string): string {
  return text.split(secret).join('***');
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new DebugSessionError(`Timeout: ${what} within ${ms / 1000} s`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Opens a connection with the given credentials (the caller decides which: docs/debug.md "Credentials"). */
export function openRuntimeDebug(target: RuntimeHost, credentials: RuntimeCredentials, timings?: DebugClientTimings): Promise<RuntimeDebugConnection> {
  return new RuntimeDebugConnection(target, credentials, timings).open();
}
