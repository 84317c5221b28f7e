import { readFile } from 'node:fs/promises';
import type { Envelope } from '../../../shared/api/envelope.js';
import { serviceFiles, takeAgentLock, watchForService } from '../../lib/lock/agent-lock.js';
import type { HostLock } from '../../lib/lock/host-lock.js';
import { describePortHolder, findPortHolder } from '../../lib/lock/port-holder.js';
import { viewAgent } from '../../lib/lock/state-report.js';
import type { Agent } from '../agent.js';
import { ApiClient, NotTheAgent } from '../api/ws-client.js';

/** Where the system service publishes its bridge (docs/decisions.md "Attaching to the service"). */
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
  /** Where the lock directories are found (VPLC_SERVICE_RUN_DIR, XDG_RUNTIME_DIR); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Own agent only: the system service started after us; our agent has stopped (vPLCs keep running). */
  onServiceStarted?: (message: string) => void;
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
 * the host-wide lock (AppImage, development). Never two agents on one Docker engine (docs/architecture.md §G).
 */
export async function connectDesktopAgent(d: ConnectDeps): Promise<AgentConnection> {
  const env = d.env ?? process.env;
  const tokenFile = d.tokenFile ?? SERVICE_TOKEN_FILE;
  const port = d.servicePort ?? SERVICE_PORT;
  const read = await readServiceToken(tokenFile, d.readToken ?? ((f) => readFile(f, 'utf8')));
  let attachError: string | null = null;
  if ('token' in read) {
    try {
      return attached(await ApiClient.connect(port, read.token));
    } catch (err) {
      // A process that fails the challenge, or one that holds the port while the service is down, is a squatter.
      if (err instanceof NotTheAgent || (await heldByOther(port, env))) throw await squatted(port, err as Error, env);
      attachError = (err as Error).message;
    }
  }
  const taken = await takeAgentLock(env, d.lockName);
  if (taken.ok) return startOwn(d.createOwnAgent(), taken.lock, env, d.onServiceStarted);

  const at = taken.holderPid ? ` (pid ${taken.holderPid})` : '';
  if (!('token' in read) && read.error === 'denied') {
    throw new AgentUnavailable(
      `The vPLC Orchestrator service is running${at}, but your user may not read its access token (${tokenFile}).`,
      'Join its group, then log out and back in: sudo usermod -aG vplc-orchestrator "$USER" (membership gives full control of the vPLCs, like the docker group).',
    );
  }
  if (attachError) {
    throw new AgentUnavailable(`An agent is running${at}, but its bridge on 127.0.0.1:${port} did not accept this app: ${attachError}.`, 'Restart it: sudo systemctl restart vplc-orchestrator');
  }
  throw new AgentUnavailable(
    `Another agent already drives Docker on this host${at}, and it is not the system service this app can attach to.`,
    'Stop that agent (for example a `vplc-orchestrator agent` in a terminal), then start this app again.',
  );
}

async function heldByOther(port: number, env: NodeJS.ProcessEnv): Promise<boolean> {
  if ((await viewAgent(serviceFiles(env))).running) return false;
  return (await findPortHolder(port).catch(() => null)) !== null;
}

/** Something else holds the service's port: name it, with the service's own account of its last start. */
async function squatted(port: number, err: Error, env: NodeJS.ProcessEnv): Promise<AgentUnavailable> {
  const [holder, service] = await Promise.all([findPortHolder(port).catch(() => null), viewAgent(serviceFiles(env))]);
  const why = service.running ? '' : service.why ? ` The service is not running: ${service.why}.` : ' The service is not running.';
  const what = err instanceof NotTheAgent ? err.message.replace(/^the process on \S+ /, 'which ') : `which is not the agent (${err.message})`;
  return new AgentUnavailable(
    `The vPLC Orchestrator service cannot be reached: ${describePortHolder(port, holder)}, ${what}. This app did not send it the service's token.${why}`,
    holder?.pid ? `Stop process ${holder.pid}, then restart the service: sudo systemctl restart vplc-orchestrator` : 'Find and stop the program on that port (sudo ss -ltnp), then: sudo systemctl restart vplc-orchestrator',
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

async function startOwn(agent: Agent, lock: HostLock, env: NodeJS.ProcessEnv, onServiceStarted?: (message: string) => void): Promise<AgentConnection> {
  try {
    await agent.start();
  } catch (err) {
    await agent.stop(5_000).catch(() => undefined);
    await lock.release();
    const busyPort = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new AgentUnavailable(`The agent could not start: ${(err as Error).message}.`, busyPort ? 'Stop that process, or change "agent.uiPort" (or "agent.metricsPort") in the settings file.' : null);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    stopWatching();
    try {
      await agent.stop();
    } finally {
      await lock.release();
    }
  };
  // The service always wins the host (docs/security.md "Host lock"): if it starts after us, our agent steps aside.
  const stopWatching = watchForService(env, (pid) => {
    void close().then(() =>
      onServiceStarted?.(`The vPLC Orchestrator system service started${pid ? ` (pid ${pid})` : ''}, so this app stopped its own agent (the vPLCs keep running). Start the app again to attach to the service.`),
    );
  });
  return {
    mode: 'own',
    call: (channel, raw) => agent.registry.call(channel, raw, { via: 'ipc' }),
    onEvent: (cb) => agent.events.subscribe(cb),
    close,
  };
}
