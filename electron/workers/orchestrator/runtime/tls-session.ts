/**
 * TLS sessions kept for runtime connections, so a poll resumes instead of paying a full handshake (docs/plc.md
 * "Polling"). A session is kept only from a connection whose certificate passed the pin check, bound to that pin;
 * it is offered only to a later connection of the same vPLC whose pin slot still holds the same pin. A resumed
 * connection presents no certificate: the server proved instead that it holds the secret of a pinned handshake.
 */

/** Turns resumption off for the agent (a benchmark compares both): `VPLC_RUNTIME_TLS_RESUME=off`. */
export const RESUME_ENV = 'VPLC_RUNTIME_TLS_RESUME';

type Entry = { spki: string; session: Buffer };

/** At most one session per vPLC, and at most `maxVplcs` vPLCs (the least recently kept go first). */
export class TlsSessionCache {
  readonly #entries = new Map<string, Entry>();
  /** Handshakes of the connections that used this cache: resumed, or full (pin-checked). */
  readonly handshakes = { resumed: 0, full: 0 };

  constructor(private readonly maxVplcs = 1024) {}

  /** The session to offer a connection whose pin slot holds `spki`. A session bound to another pin (or to no pin) is dropped. */
  offer(deviceId: string, spki: string | undefined): Buffer | undefined {
    const e = this.#entries.get(deviceId);
    if (e === undefined) return undefined;
    if (spki === undefined || e.spki !== spki) {
      this.#entries.delete(deviceId);
      return undefined;
    }
    return e.session;
  }

  /** Keep a session of a connection whose peer was proven to hold the key pinned as `spki`. */
  keep(deviceId: string, spki: string, session: Buffer): void {
    this.#entries.delete(deviceId);
    this.#entries.set(deviceId, { spki, session });
    while (this.#entries.size > this.maxVplcs) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  counted(resumed: boolean): void {
    if (resumed) this.handshakes.resumed += 1;
    else this.handshakes.full += 1;
  }

  drop(deviceId: string): void {
    this.#entries.delete(deviceId);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** The agent's session cache, or none when resumption was turned off through the environment. */
export function runtimeTlsSessions(env: Readonly<Record<string, string | undefined>>): TlsSessionCache | undefined {
  const v = (env[RESUME_ENV] ?? '').trim().toLowerCase();
  return ['off', '0', 'false', 'no'].includes(v) ? undefined : new TlsSessionCache();
}
