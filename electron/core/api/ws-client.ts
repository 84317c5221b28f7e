import WebSocket from 'ws';
import { z } from 'zod';
import { fail, type Envelope } from '../../../shared/api/envelope.js';

const ServerMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('authed') }),
  z.object({ t: z.literal('result'), id: z.number(), envelope: z.unknown() }),
  z.object({ t: z.literal('event'), name: z.string(), payload: z.unknown() }),
  z.object({ t: z.literal('error'), message: z.string() }),
]);

/**
 * A client of another agent's loopback bridge (the desktop app attached to the system service). Same envelopes as the
 * local registry, so the renderer cannot tell the difference.
 *
 * INVARIANTS
 * - Every call resolves once: with the answer, on its deadline, or when the socket closes.
 */
export class ApiClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (e: Envelope<unknown>) => void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Set<(name: string, payload: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let msg: z.infer<typeof ServerMessage>;
      try {
        msg = ServerMessage.parse(JSON.parse(data.toString()));
      } catch {
        return;
      }
      if (msg.t === 'result') {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        p.resolve(msg.envelope as Envelope<unknown>);
      } else if (msg.t === 'event') {
        for (const l of this.listeners) l(msg.name, msg.payload);
      }
    });
    ws.on('close', () => {
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.resolve(fail('UNAVAILABLE', 'the agent closed the connection'));
        this.pending.delete(id);
      }
    });
  }

  /** Connects and authenticates; rejects with a message that says what failed. */
  static async connect(port: number, token: string, timeoutMs = 5_000): Promise<ApiClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the agent on 127.0.0.1:${port}`)), timeoutMs);
      ws.once('open', () => ws.send(JSON.stringify({ t: 'auth', token })));
      ws.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(code === 4401 ? 'the agent refused the token' : `the agent closed the connection (${code})`));
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot reach the agent on 127.0.0.1:${port}: ${err.message}`));
      });
    });
    return new ApiClient(ws);
  }

  call(channel: string, input: unknown, timeoutMs = 60_000): Promise<Envelope<unknown>> {
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.resolve(fail('UNAVAILABLE', 'not connected to the agent'));
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(fail('TIMEOUT', `${channel}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      this.ws.send(JSON.stringify({ t: 'invoke', id, channel, input }));
    });
  }

  onEvent(cb: (name: string, payload: unknown) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  close(): void {
    this.ws.close();
  }
}
