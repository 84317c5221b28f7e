// Nobody can squat the agent (docs/security.md): a process of another user (`nobody`) binds the old abstract lock
// name and the agent's loopback port and plays a fake agent that records what it receives. The service-mode agent
// still starts while only the old name is held, names the squatter when the port is held (log, state report,
// `status`, the tray's reason), and the desktop app never sends the token to it. Also the host rule between the
// service and a per-user agent. Real agent processes, real sockets, real flock. Runtime: about 30-50 s.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printStatus } from '../../../electron/cli/status.js';
import { AgentUnavailable, connectDesktopAgent } from '../../../electron/core/desktop/connect.js';
import { describeService } from '../../../electron/core/desktop/diagnose.js';
import { readReport } from '../../../electron/lib/lock/state-report.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { unusedLoopbackPort } from '../../support/ports.js';

requireDocker();
requireRoot();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-squat-'));
chmodSync(dir, 0o755);
const serviceRun = path.join(dir, 'service-run');
const lockName = `vt-${run}-squat`;
const token = 'f'.repeat(24) + run + 'a'.repeat(34);
const tokenFile = path.join(serviceRun, 'token');
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const env = { VPLC_SERVICE_RUN_DIR: serviceRun, XDG_RUNTIME_DIR: path.join(dir, 'user-run'), XDG_CONFIG_HOME: path.join(dir, 'config') };
const args = (name: string, port: number): string[] => ['--no-cloud', '--ui-port', String(port), '--data-dir', path.join(dir, name), '--lock-name', lockName, '--internal-pool', '198.19.89.0/24', '--mtls-dir', path.join(dir, 'mtls')];

let squatter: ChildProcess;
let squatterPid = 0;
let port = 0;
const events: Array<{ event: string; [k: string]: unknown }> = [];
const agents: AgentProcess[] = [];


/** For an agent expected to refuse: its exit code (its `ready` promise rejects, which is the point). */
const exitOf = (a: AgentProcess): Promise<number | null> => {
  a.ready.catch(() => undefined);
  return new Promise((r) => (a.child.exitCode !== null ? r(a.child.exitCode) : a.child.once('exit', (c) => r(c))));
};

beforeAll(async () => {
  // The service's runtime directory as systemd makes it: owned by the service (root here), 0755, nobody else writes.
  mkdirSync(serviceRun, { mode: 0o755 });
  mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
  // The token the service left from its last run (RuntimeDirectoryPreserve): exactly what a squatter wants.
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o640 });
  port = await unusedLoopbackPort();
  squatter = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(repo, 'test/integration/agent/squatter.mjs'), lockName, String(port), path.join(serviceRun, 'agent.lock')], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  squatter.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) events.push(JSON.parse(l) as { event: string });
  });
  const ready = await waitFor(() => events.find((e) => e.event === 'ready'), (e) => e !== undefined, { timeoutMs: 15_000, what: 'the squatter to hold the name and the port' });
  squatterPid = Number(ready?.pid);
});

afterAll(async () => {
  for (const a of agents) await a.stop();
  squatter?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('a squatter of another user', () => {
  it('holds the old abstract lock name and the port, but cannot even open the service’s lock file', () => {
    expect(events.find((e) => e.event === 'abstract')).toMatchObject({ name: lockName });
    expect(events.find((e) => e.event === 'service-lock')?.result).toMatch(/^(ENOENT|EACCES)$/);
  });

  it('does not keep the service from starting by holding the old lock name', async () => {
    const svc = spawnAgent(args('svc-a', 0), { ...env, VPLC_SERVICE: '1', VPLC_TOKEN_FILE: path.join(dir, 'token-a') });
    agents.push(svc);
    const ready = await svc.ready;
    expect(ready.port).not.toBe(port);
    expect((await readReport(path.join(serviceRun, 'agent.json')))?.state).toBe('running');
    await svc.stop();
    expect((await readReport(path.join(serviceRun, 'agent.json')))?.state).toBe('stopped');
  });

  it('is named when it holds the service’s port: in the log, the state report, `status` and the tray’s reason', async () => {
    const svc = spawnAgent(args('svc-b', port), { ...env, VPLC_SERVICE: '1', VPLC_TOKEN_FILE: path.join(dir, 'token-b') });
    agents.push(svc);
    expect(await exitOf(svc)).toBe(1);
    const named = `port ${port} is held by another process (pid ${squatterPid} \`node\`, uid 65534)`;
    expect(svc.output()).toContain(named);
    const report = await readReport(path.join(serviceRun, 'agent.json'));
    expect(report).toMatchObject({ state: 'blocked', reason: named });

    let out = '';
    await printStatus(['--data-dir', path.join(dir, 'svc-b'), '--lock-name', lockName], env, (s) => void (out += s));
    expect(out).toMatch(new RegExp(`^system service: not running — its last start \\(.*\\) failed: ${named.replace(/[()`]/g, '\\$&')}$`, 'm'));
    expect(await describeService(env)).toContain(named);
  });

  it('leaves the reason in the report and `status` when the settings cannot be read', async () => {
    // A directory where the settings file should be: unreadable for root too (EISDIR).
    const settings = path.join(dir, 'settings-is-a-dir');
    mkdirSync(settings);
    const svc = spawnAgent(['--settings', settings, ...args('svc-s', 0)], { ...env, VPLC_SERVICE: '1', VPLC_TOKEN_FILE: path.join(dir, 'token-s') });
    agents.push(svc);
    expect(await exitOf(svc)).toBe(1);
    expect(svc.output()).toContain('cannot start: settings unreadable: EISDIR');
    expect(await readReport(path.join(serviceRun, 'agent.json'))).toMatchObject({ state: 'blocked', reason: expect.stringMatching(/^settings unreadable: EISDIR/) });
    let out = '';
    await printStatus(['--settings', settings], env, (t) => void (out += t));
    expect(out).toMatch(/^settings unreadable: EISDIR/m);
    expect(out).toMatch(/^system service: not running — its last start \(.*\) failed: settings unreadable: EISDIR/m);
  });

  it('never receives the token from the desktop app, which refuses the fake agent and names it', async () => {
    const before = events.filter((e) => e.event === 'received').length;
    const err = await connectDesktopAgent({
      lockName,
      env,
      tokenFile,
      servicePort: port,
      createOwnAgent: () => {
        throw new Error('the app must not fall back to its own agent when a squatter answers on the service port');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentUnavailable);
    expect((err as Error).message).toContain(`port ${port} is held by another process (pid ${squatterPid}`);
    expect((err as Error).message).toContain("This app did not send it the service's token");
    expect((err as AgentUnavailable).fix).toContain(`Stop process ${squatterPid}`);
    const received = events.filter((e) => e.event === 'received').slice(before).map((e) => String(e.text));
    expect(received.length).toBeGreaterThan(0);
    for (const text of received) {
      expect(text).not.toContain(token);
      expect(JSON.parse(text)).toMatchObject({ t: 'hello' });
    }
  });
});

describe('as another user', () => {
  const asNobody = (code: string): { status: number | null; stdout: string; stderr: string } =>
    spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', code], { cwd: repo, encoding: 'utf8', env: { ...process.env, HOME: dir } });
  const mod = (rel: string): string => JSON.stringify(new URL(rel, `file://${repo}`).href);

  it('settings:get’s `writable` is false where the agent cannot write (a service reading a root-owned directory)', () => {
    const rootOwned = path.join(dir, 'root-settings');
    mkdirSync(rootOwned, { mode: 0o755 });
    const r = asNobody(`const { SettingsStore } = await import(${mod('electron/core/settings/store.ts')}); const l = await new SettingsStore(${JSON.stringify(path.join(rootOwned, 'settings.json'))}).load(); console.log(JSON.stringify({ writable: l.writable, reason: l.readOnlyReason }));`);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { writable: boolean; reason?: string };
    expect(out).toMatchObject({ writable: false, reason: expect.stringContaining('(EACCES)') });
  });

  it('cannot take the service’s lock or hold a per-user lock directory that is not its own', () => {
    const r = asNobody(
      `const { takeAgentLock } = await import(${mod('electron/lib/lock/agent-lock.ts')}); ` +
        `const a = await takeAgentLock({ VPLC_SERVICE: '1', VPLC_SERVICE_RUN_DIR: ${JSON.stringify(serviceRun)} }, 'x').catch((e) => ({ error: e.code ?? e.message })); ` +
        `const b = await takeAgentLock({ XDG_RUNTIME_DIR: ${JSON.stringify(env.XDG_RUNTIME_DIR)} }, 'x').catch((e) => ({ error: e.message })); ` +
        `console.log(JSON.stringify({ a, b }));`,
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { a: { error: string }; b: { error: string } };
    expect(out.a.error).toMatch(/belongs to uid 0|EACCES/);
    expect(out.b.error).toMatch(/EACCES|belongs to uid 0/);
  });
});

describe('a squatter that never answers', () => {
  it('is named after the attach times out, not waited on silently, and the app runs no agent of its own', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const silentPort = (silent.address() as net.AddressInfo).port;
    try {
      const err = await connectDesktopAgent({
        lockName,
        env,
        tokenFile,
        servicePort: silentPort,
        createOwnAgent: () => {
          throw new Error('the app must not fall back to its own agent while a squatter holds the service port');
        },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AgentUnavailable);
      expect((err as Error).message).toContain(`port ${silentPort} is held by another process (pid ${process.pid}`);
      expect((err as Error).message).toContain('no answer from the agent');
    } finally {
      silent.close();
    }
  });
});

describe('the service and a per-user agent', () => {
  it('a per-user agent refuses while the service runs, and steps aside when the service starts after it', async () => {
    const svc = spawnAgent(args('svc-c', 0), { ...env, VPLC_SERVICE: '1', VPLC_TOKEN_FILE: path.join(dir, 'token-c') });
    agents.push(svc);
    await svc.ready;
    const user = spawnAgent(args('user-c', 0), { ...env, VPLC_TOKEN_FILE: path.join(dir, 'token-u') });
    agents.push(user);
    expect(await exitOf(user)).toBe(1);
    expect(user.output()).toContain(`the system service already drives Docker on this host (pid ${svc.child.pid})`);
    await svc.stop();

    const first = spawnAgent(args('user-d', 0), { ...env, VPLC_TOKEN_FILE: path.join(dir, 'token-d') });
    agents.push(first);
    await first.ready;
    const late = spawnAgent(args('svc-d', 0), { ...env, VPLC_SERVICE: '1', VPLC_TOKEN_FILE: path.join(dir, 'token-e') });
    agents.push(late);
    await late.ready;
    expect(await exitOf(first)).toBe(1);
    expect(first.output()).toContain(`the system service started (pid ${late.child.pid}); this agent stops`);
    expect(readFileSync(path.join(env.XDG_RUNTIME_DIR, 'vplc-orchestrator', `${lockName}.json`), 'utf8')).toContain('"stopped"');
  });
});
