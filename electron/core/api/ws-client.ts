import WebSocket from 'ws';
import { z } from 'zod';
import { fail, type Envelope } from '../../../shared/api/envelope.js';
import { newNonce, Nonce, Proof, proof, proofMatches, type BridgeClient } from '../ui-server/handshake.js';
import { TypedEmitter } from '../../lib/events/typed-emitter.js';

const ServerMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('authed') }),
  z.object({ t: z.literal('result'), id: z.number(), envelope: z.unknown() }),
  z.object({ t: z.literal('event'), name: z.string(), payload: z.unknown() }),
  z.object({ t: z.literal('error'), message: z.string() }),
]);

const Challenge = z.object({ t: z.literal('challenge'), nonce: Nonce, proof: Proof });

/** The bridge did not prove it knows the token: whoever listens there is not our agent. */
export class NotTheAgent extends Error {}

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
  private readonly listeners = new TypedEmitter<{ event: [name: string, payload: unknown] }>();

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
        this.listeners.emit('event', msg.name, msg.payload);
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

  /**
   * Connects and authenticates by challenge/response (../ui-server/handshake.ts): the token never leaves this
   * process, so a process squatting the port learns nothing. Rejects with a message that says what failed.
   * `client`: what this process is, so the agent's journal names who asked (the desktop app is this PC's UI).
   */
  static async connect(port: number, token: string, timeoutMs = 5_000, client: BridgeClient = 'desktop'): Promise<ApiClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`);
    const clientNonce = newNonce();
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.off('message', onMessage);
        if (err) {
          ws.terminate();
          reject(err);
        } else resolve();
      };
      const timer = setTimeout(() => done(new Error(`no answer from the agent on 127.0.0.1:${port}`)), timeoutMs);
      let challenged = false;
      const onMessage = (data: WebSocket.RawData): void => {
        let raw: unknown;
        try {
          raw = JSON.parse(data.toString());
        } catch {
          return done(new NotTheAgent(`the process on 127.0.0.1:${port} does not speak the agent's protocol`));
        }
        if (!challenged) {
          const c = Challenge.safeParse(raw);
          if (!c.success) return done(new NotTheAgent(`the process on 127.0.0.1:${port} did not answer the challenge (${c.error.issues[0]?.path.join('.') || 'message'}: ${c.error.issues[0]?.message ?? 'invalid'})`));
          if (!proofMatches(proof(token, 'server', clientNonce, c.data.nonce), c.data.proof)) {
            return done(new NotTheAgent(`the process on 127.0.0.1:${port} could not prove it knows the token: it is not the agent (or the token file is stale)`));
          }
          challenged = true;
          ws.send(JSON.stringify({ t: 'prove', proof: proof(token, 'client', clientNonce, c.data.nonce) }));
          return;
        }
        const m = ServerMessage.safeParse(raw);
        if (m.success && m.data.t === 'authed') return done();
        return done(new Error(`unexpected answer from the agent during authentication`));
      };
      ws.on('message', onMessage);
      ws.once('open', () => ws.send(JSON.stringify({ t: 'hello', nonce: clientNonce, client })));
      ws.once('close', (code) => done(new Error(code === 4401 ? 'the agent refused the token' : `the agent closed the connection (${code})`)));
      ws.once('error', (err) => done(new Error(`cannot reach the agent on 127.0.0.1:${port}: ${err.message}`)));
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
    return this.listeners.on('event', cb);
  }

  close(): void {
    this.ws.close();
  }
}
