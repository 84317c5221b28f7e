import { readFile } from 'node:fs/promises';
import type { Envelope } from '../../../shared/api/envelope.js';
import { acquireHostLock, lockHolder, type HostLock } from '../../lib/lock/host-lock.js';
import type { Agent } from '../agent.js';
import { ApiClient } from '../api/ws-client.js';

/** Where the system service publishes its bridge (DECISIONS "Attaching to the service"). */
export const SERVICE_TOKEN_FILE = '/run/vplc-orchestrator/token';
export const SERVICE_PORT = 48750;

/** What the desktop window talks to: the agent it runs itself, or the system service it attached to. */
export type AgentConnection = {
  mode: 'own' | 'service';
  call(channel: string, raw: unknown): Promise<Envelope<unknown>>;
  onEvent(cb: (name: string, payload: unknown) => void): () => void;
  /** Own agent: stops its workers (vPLCs keep running) and releases the host lock. Attached: only disconnects. */
  close(): Promise<void>;
};

export type ConnectDeps = {
  lockName: string;
  tokenFile?: string;
  servicePort?: number;
  /** Builds the app's own agent; called only once the host lock is ours. */
  createOwnAgent(): Agent;
  readToken?: (file: string) => Promise<string>;
};

/** Why the desktop app could not get an agent; `message` is written for the person at the PC. */
export class AgentUnavailable extends Error {
  constructor(
    message: string,
    readonly fix: string | null,
  ) {
    super(message);
  }
}

type TokenRead = { token: string } | { error: 'missing' | 'denied' | 'other'; detail: string };

async function readServiceToken(file: string, read: (f: string) => Promise<string>): Promise<TokenRead> {
  try {
    const token = (await read(file)).trim();
    return token ? { token } : { error: 'other', detail: `${file} is empty` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'missing' : code === 'EACCES' || code === 'EPERM' ? 'denied' : 'other', detail: (err as Error).message };
  }
}

/**
 * Attach to the system service when its token is readable and its bridge answers; otherwise run our own agent under
 * the host-wide lock (AppImage, development). Never two agents on one Docker engine (ENGINEERING §G).
 */
export async function connectDesktopAgent(d: ConnectDeps): Promise<AgentConnection> {
  const tokenFile = d.tokenFile ?? SERVICE_TOKEN_FILE;
  const port = d.servicePort ?? SERVICE_PORT;
  const read = await readServiceToken(tokenFile, d.readToken ?? ((f) => readFile(f, 'utf8')));
  let attachError: string | null = null;
  if ('token' in read) {
    try {
      return attached(await ApiClient.connect(port, read.token));
    } catch (err) {
      attachError = (err as Error).message;
    }
  }
  const lock = await acquireHostLock(d.lockName);
  if (lock) return startOwn(d.createOwnAgent(), lock);

  const pid = await lockHolder(d.lockName);
  const holder = pid ? ` (pid ${pid})` : '';
  if (!('token' in read) && read.error === 'denied') {
    throw new AgentUnavailable(
      `The vPLC Orchestrator service is running${holder}, but your user may not read its access token (${tokenFile}).`,
      'Join its group, then log out and back in: sudo usermod -aG vplc-orchestrator "$USER" (membership gives full control of the vPLCs, like the docker group).',
    );
  }
  if (attachError) {
    throw new AgentUnavailable(`An agent is running${holder}, but its bridge on 127.0.0.1:${port} did not accept this app: ${attachError}.`, 'Restart it: sudo systemctl restart vplc-orchestrator');
  }
  throw new AgentUnavailable(
    `Another agent already drives Docker on this host${holder}, and it is not the system service this app can attach to.`,
    'Stop that agent (for example a `vplc-orchestrator agent` in a terminal), then start this app again.',
  );
}

function attached(client: ApiClient): AgentConnection {
  return {
    mode: 'service',
    call: async (channel, raw) => {
      const result = await client.call(channel, raw);
      // The service reports from its own point of view; the window wants to know it is attached.
      if (channel === 'agent:status' && result.ok && typeof result.value === 'object' && result.value !== null) {
        return { ok: true, value: { ...result.value, mode: 'service' } };
      }
      return result;
    },
    onEvent: (cb) => client.onEvent(cb),
    close: () => Promise.resolve(client.close()),
  };
}

async function startOwn(agent: Agent, lock: HostLock): Promise<AgentConnection> {
  try {
    await agent.start();
  } catch (err) {
    await agent.stop(5_000).catch(() => undefined);
    await lock.release();
    const busyPort = /EADDRINUSE/.test(String(err));
    throw new AgentUnavailable(`The agent could not start: ${(err as Error).message}.`, busyPort ? 'Another program uses the agent\'s loopback port; change "agent.uiPort" in the settings file.' : null);
  }
  return {
    mode: 'own',
    call: (channel, raw) => agent.registry.call(channel, raw, { via: 'ipc' }),
    onEvent: (cb) => agent.events.subscribe(cb),
    close: async () => {
      try {
        await agent.stop();
      } finally {
        await lock.release();
      }
    },
  };
}
