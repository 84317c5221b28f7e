/**
 * The sessions of all vPLCs (docs/plc.md "Credentials"): one RuntimeSession per vPLC with stored credentials, made on
 * first use and dropped when its credentials change, so a new password never reuses an old token or backoff.
 */
import type { Clock } from '../../../lib/time/clock.js';
import type { TlsPinStore } from '../runtime/tls-pin.js';
import { RuntimeClient, type ClientOptions, type RuntimeEndpoint, DEFAULT_CLIENT_OPTIONS } from './client.js';
import type { CredentialsStore } from './credentials-store.js';
import { RuntimeSession, type Credentials } from './session.js';
import type { PlcSessions } from './types.js';

export type SessionsDeps = {
  store: CredentialsStore;
  /** Where each vPLC's runtime answers (its internal address and 8443 in production). */
  endpoint: (name: string) => RuntimeEndpoint;
  pins: TlsPinStore;
  clock: Pick<Clock, 'now'>;
  clientOptions?: ClientOptions;
};

export class RuntimeSessions implements PlcSessions {
  private readonly sessions = new Map<string, RuntimeSession>();
  private readonly listeners: Array<(name: string) => void> = [];

  constructor(private readonly deps: SessionsDeps) {}

  hasCredentials(name: string): boolean {
    return this.deps.store.has(name);
  }

  username(name: string): string | null {
    return this.deps.store.username(name);
  }

  /** The stored credentials (the debug bridge's login when a debug_start gives none: docs/debug.md "Credentials"). */
  credentials(name: string): Credentials | null {
    return this.deps.store.get(name);
  }

  /** The vPLC's session; its calls say `unreachable` while the runtime has no known address. */
  session(name: string): RuntimeSession | null {
    const existing = this.sessions.get(name);
    if (existing) return existing;
    const creds = this.deps.store.get(name);
    if (!creds) return null;
    const s = this.detached(name, creds);
    this.sessions.set(name, s);
    return s;
  }

  /** A session with the given credentials that the registry does not keep (checking credentials before storing them). */
  detached(name: string, creds: Credentials): RuntimeSession {
    return new RuntimeSession(name, creds, this.client(name).exchange, this.deps.clock);
  }

  /** A client of the vPLC's runtime without a session (creating the runtime's first user). */
  client(name: string): RuntimeClient {
    return new RuntimeClient(name, this.deps.endpoint(name), this.deps.pins, this.deps.clientOptions ?? DEFAULT_CLIENT_OPTIONS);
  }

  async store(name: string, creds: Credentials): Promise<void> {
    await this.deps.store.put(name, creds);
    this.changed(name);
  }

  async forget(name: string): Promise<boolean> {
    const removed = await this.deps.store.remove(name);
    if (removed) this.changed(name);
    else this.sessions.delete(name);
    return removed;
  }

  onCredentialsChanged(listener: (name: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(name: string): void {
    this.sessions.delete(name);
    for (const l of this.listeners) {
      try {
        l(name);
      } catch {
        // A listener's fault is its own; the credentials are stored either way.
      }
    }
  }
}
