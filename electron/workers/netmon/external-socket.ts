import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { CommandResponse, NetmonEvent, type NetmonEvent as NetmonEventT } from '../../../shared/netmon/events.js';
import { TypedEmitter } from '../../lib/events/typed-emitter.js';

export type ExternalNetmonOptions = {
  /** The external netmon's Unix socket (reference: `netmon.sock` in the volume `orchestrator-shared`). */
  path: string;
  connect?: (path: string) => net.Socket;
  exists?: (path: string) => boolean;
  log?: (level: 'debug' | 'info' | 'warn', msg: string, data?: Record<string, unknown>) => void;
  /** docs/protocol.md §7.4 / §12 timings. */
  missingRetryMs?: number;
  errorRetryMs?: number;
  eofRetryMs?: number;
  commandTimeoutMs?: number;
  lineLimitBytes?: number;
};

type Pending = { resolve: (r: CommandResponse) => void; timer: NodeJS.Timeout };

/**
 * Compatibility mode (docs/protocol.md §7.1-7.4): reads events from an external netmon's JSON-lines socket instead of running
 * the built-in monitor. The reader starts on connect, before anything is sent, so no response waits unread.
 *
 * INVARIANTS
 * - One socket at a time, one reconnect timer at a time; `stop()` clears both and fails the command in flight.
 * - One command in flight (the reference matches responses by order); a command that times out closes the
 *   connection, so a late response is never paired with the next command.
 * - Every line is parsed with zod; a bad line is logged and skipped, a line over the limit drops the connection.
 */
export class ExternalNetmon {
  private readonly events = new TypedEmitter<{ event: [NetmonEventT] }>((err) => this.log('warn', 'netmon listener failed', { err: (err as Error).message }));
  private socket: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Successful connections so far (diagnostics, tests). */
  connections = 0;

  constructor(private readonly o: ExternalNetmonOptions) {}

  on(cb: (e: NetmonEventT) => void): () => void {
    return this.events.on('event', cb);
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.drop();
  }

  private log(level: 'debug' | 'info' | 'warn', msg: string, data?: Record<string, unknown>): void {
    this.o.log?.(level, msg, data);
  }

  private later(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, ms);
  }

  private drop(): void {
    const s = this.socket;
    this.socket = null;
    s?.destroy();
    this.settle({ success: false, error: 'Not connected to network monitor' });
  }

  private settle(r: CommandResponse): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.resolve(r);
  }

  private connect(): void {
    if (this.stopped) return;
    if (!(this.o.exists ?? existsSync)(this.o.path)) {
      this.later(this.o.missingRetryMs ?? 5_000);
      return;
    }
    const sock = (this.o.connect ?? ((p) => net.createConnection(p)))(this.o.path);
    let buf = '';
    let opened = false;
    const limit = this.o.lineLimitBytes ?? 16 * 1024 * 1024;
    sock.setEncoding('utf8');
    sock.on('connect', () => {
      opened = true;
      this.socket = sock;
      this.connections++;
      this.log('info', 'connected to the external netmon', { path: this.o.path });
    });
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) this.onLine(line);
      }
      if (Buffer.byteLength(buf) > limit) {
        this.log('warn', 'netmon line over the limit; reconnecting', { limit });
        sock.destroy();
      }
    });
    sock.on('error', (err) => this.log('debug', 'netmon socket error', { err: err.message }));
    sock.on('close', () => {
      if (this.socket === sock) this.drop();
      // EOF after a session: 1 s (the reference spins); a failed connect: 5 s.
      this.later(opened ? (this.o.eofRetryMs ?? 1_000) : (this.o.errorRetryMs ?? 5_000));
    });
  }

  private onLine(line: string): void {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.log('warn', 'netmon sent a line that is not JSON');
      return;
    }
    if (typeof json !== 'object' || json === null) return;
    if (!('type' in json)) {
      const r = CommandResponse.safeParse(json);
      this.settle(r.success ? r.data : { success: false, error: 'Invalid response from netmon' });
      return;
    }
    const e = NetmonEvent.safeParse(json);
    if (!e.success) {
      const type = (json as { type: unknown }).type;
      if (type === 'network_discovery' || type === 'network_change' || type === 'dhcp_update') this.log('warn', 'netmon event does not validate', { type });
      return;
    }
    this.events.emit('event', e.data);
  }

  /** Sends one command (§7.3), one at a time; never rejects. */
  command(cmd: { command: string } & Record<string, unknown>): Promise<CommandResponse> {
    const run = (): Promise<CommandResponse> =>
      new Promise((resolve) => {
        const sock = this.socket;
        if (!sock) return resolve({ success: false, error: 'Not connected to network monitor' });
        const timer = setTimeout(() => {
          this.settle({ success: false, error: 'Timeout waiting for netmon response' });
          sock.destroy();
        }, this.o.commandTimeoutMs ?? 15_000);
        this.pending = { resolve, timer };
        sock.write(`${JSON.stringify({ ...cmd, id: randomUUID() })}\n`, (err) => {
          if (err) this.settle({ success: false, error: err.message });
        });
      });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
