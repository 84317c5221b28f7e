// How the desktop app finds its agent, against real agents: it attaches to a running "service" (a real headless agent
// process with a token file) and drives it from the tray; with the host lock free it runs its own agent under that
// lock; with the lock held by an agent it cannot attach to, it refuses and says why. Runtime: about 15-25 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../../electron/core/agent.js';
import { AgentUnavailable, connectDesktopAgent, type AgentConnection } from '../../../electron/core/desktop/connect.js';
import { loadConfig } from '../../../electron/core/headless.js';
import { LogHub } from '../../../electron/core/logging/log-hub.js';
import { createLogger } from '../../../electron/core/logging/logger.js';
import { TrayFeed } from '../../../electron/shell/tray/feed.js';
import type { TrayState } from '../../../electron/shell/tray/menu.js';
import { spawnAgent, type AgentProcess, type Ready } from '../../support/agent-process.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-attach-'));
const serviceLock = `vt-${run}-svc`;
const tokenFile = path.join(dir, 'service-token');
let service: AgentProcess;
let ready: Ready;

const noOwnAgent = (): never => {
  throw new Error('the desktop app must not start its own agent here');
};

beforeAll(async () => {
  service = spawnAgent(
    ['--no-cloud', '--ui-port', '0', '--data-dir', path.join(dir, 'svc'), '--lock-name', serviceLock, '--internal-pool', '198.19.92.0/24', '--mtls-dir', path.join(dir, 'mtls')],
    { VPLC_TOKEN_FILE: tokenFile, XDG_CONFIG_HOME: path.join(dir, 'config') },
  );
  ready = await service.ready;
});

afterAll(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('attaching to the service', () => {
  let conn: AgentConnection;
  afterAll(async () => conn?.close());

  it('attaches when the token is readable, and says so in agent:status', async () => {
    conn = await connectDesktopAgent({ lockName: serviceLock, tokenFile, servicePort: ready.port, createOwnAgent: noOwnAgent });
    expect(conn.mode).toBe('service');
    const status = await conn.call('agent:status', {});
    expect(status).toMatchObject({ ok: true, value: { mode: 'service', cloud: 'disabled' } });
  });

  it('drives the service from the tray: stop and start the agent, with events on the way', async () => {
    const seen: string[] = [];
    const stopEvents = conn.onEvent((name) => seen.push(name));
    const renders: TrayState[] = [];
    const errors: string[] = [];
    const feed = new TrayFeed(conn, (s) => renders.push(s), (m) => errors.push(m));
    await feed.start();
    await waitFor(() => feed.refresh().then(() => feed.current()), (s) => s.agent === 'running', { timeoutMs: 20_000, what: 'the tray to show the agent running' });
    expect(feed.current()).toMatchObject({ mode: 'service', cloud: 'disabled', vplcs: { running: 0, total: 0 } });

    await feed.command('stop-agent');
    expect(renders.map((r) => r.agent)).toContain('stopping');
    expect(feed.current().agent).toBe('stopped');
    // The service's own agent stopped its workers but its bridge still answers: the tray can start it again.
    await feed.command('start-agent');
    await waitFor(() => feed.refresh().then(() => feed.current()), (s) => s.agent === 'running', { timeoutMs: 20_000, what: 'the agent running again' });
    feed.stop();
    stopEvents();
    expect(errors).toEqual([]);
    expect(seen).toContain('logs:line');
  });

  it('refuses to start a second agent while the service holds the lock, naming its pid', async () => {
    const err = await connectDesktopAgent({ lockName: serviceLock, tokenFile: path.join(dir, 'no-such-token'), servicePort: ready.port, createOwnAgent: noOwnAgent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentUnavailable);
    expect((err as Error).message).toContain(`pid ${service.child.pid}`);
  });

  it('tells a user who may not read the token to join the group', async () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const err = await connectDesktopAgent({ lockName: serviceLock, tokenFile, servicePort: ready.port, createOwnAgent: noOwnAgent, readToken: () => Promise.reject(denied) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentUnavailable);
    expect((err as AgentUnavailable).fix).toContain('usermod -aG vplc-orchestrator');
  });
});

describe('without a service', () => {
  it('runs its own agent under the host lock, and a second app cannot take it', async () => {
    const lockName = `vt-${run}-own`;
    const { config, store } = await loadConfig(['--no-cloud', '--ui-port', '0', '--metrics-port', '0', '--data-dir', path.join(dir, 'own'), '--lock-name', lockName, '--internal-pool', '198.19.92.0/24', '--mtls-dir', path.join(dir, 'mtls')]);
    const logHub = new LogHub();
    const log = createLogger({ file: path.join(dir, 'own', 'desktop.log'), level: 'warn', hub: logHub });
    const missing = path.join(dir, 'no-service-token');
    const own = await connectDesktopAgent({ lockName, tokenFile: missing, createOwnAgent: () => createAgent({ config, log, logHub, settings: store }) });
    try {
      expect(own.mode).toBe('own');
      const status = await waitFor(
        async () => (await own.call('agent:status', {})) as { ok: boolean; value?: { mode: string; workers: Array<{ state: string }> } },
        (s) => s.ok && s.value?.workers.length === 2 && s.value.workers.every((w) => w.state === 'running'),
        { timeoutMs: 20_000, what: 'the own agent running netmon and the orchestrator' },
      );
      expect(status.value?.mode).toBe('own');
      const second = await connectDesktopAgent({ lockName, tokenFile: missing, createOwnAgent: noOwnAgent }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(AgentUnavailable);
      expect((second as Error).message).toContain(`pid ${process.pid}`);
    } finally {
      await own.close();
    }
    // Closing released the lock: the next app gets it.
    const again = await connectDesktopAgent({ lockName, tokenFile: missing, createOwnAgent: () => createAgent({ config, log, logHub, settings: store }) });
    await again.close();
  });
});
