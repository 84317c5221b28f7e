// needs: root (a veth parent), the real Docker engine and the stand-in runtime image (npm run test:images)
// The CLI against a real headless agent process (private run directories, its own veth parent on a test subnet):
// the agent prints "Open the UI: …" (and nothing with the token when its stdout is the journal), `status` prints
// the UI address with the token and the vPLC live with its LAN address, `open` prints the address without a
// display, and `support` without --data-dir bundles the running agent's state directory and says so.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printStatus } from '../../../electron/cli/status.js';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { spawnAgent, type AgentProcess, type Ready } from '../../support/agent-process.js';
import { NETHELPER_IMAGE, removeByLabels, STANDIN_REPO } from '../../support/docker.js';
import { testSettingsFile } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { internalPoolFor, lanAddress, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const LAN = 12;
const ip = lanAddress(slot, LAN, 21);
const name = `vt-${run}-cli`;
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-cli-status-'));
const dataDir = path.join(dir, 'data');
const settings = path.join(dir, 'settings.json');
const lockName = `vt-${run}-cli`;
// Private service and user run directories: the CLI must find this agent, not one of the host's.
const env: NodeJS.ProcessEnv = { XDG_RUNTIME_DIR: path.join(dir, 'xdg'), VPLC_SERVICE_RUN_DIR: path.join(dir, 'svc'), XDG_CONFIG_HOME: path.join(dir, 'config'), INVOCATION_ID: undefined, JOURNAL_STREAM: undefined };
const args = ['--no-cloud', '--ui-port', '0', '--data-dir', dataDir, '--settings', settings, '--lock-name', lockName, '--internal-pool', internalPoolFor(slot), '--runtime-image', STANDIN_REPO, '--helper-image', NETHELPER_IMAGE];
let parent: VethParent;
let agent: AgentProcess;
let ready: Ready;
let installation = '';

const cli = (argv: string[], extra: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/run.ts', ...argv], { encoding: 'utf8', env: { ...process.env, ...env, ...extra }, timeout: 60_000 });

beforeAll(async () => {
  writeFileSync(settings, testSettingsFile());
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
  agent = spawnAgent(args, env);
  ready = await agent.ready;
  const client = await ApiClient.connect(ready.port, ready.token);
  try {
    installation = ((await client.call('agent:status', {})) as { value: { installationId: string } }).value.installationId;
    expect(await client.call('vplc:create', { name, vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip }] })).toMatchObject({ ok: true });
    type Status = { is_running?: boolean; networks?: Record<string, { ip_address: string | null }> };
    await waitFor(
      async () => ((await client.call('vplc:status', { name })) as { value: Status }).value,
      (s) => s.is_running === true && Object.values(s.networks ?? {}).some((n) => n.ip_address === ip),
      { timeoutMs: 90_000, intervalMs: 500, what: 'the vPLC running on its LAN' },
    );
  } finally {
    client.close();
  }
});

afterAll(async () => {
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  parent?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('the agent’s start-up print', () => {
  it('is a plain "Open the UI" line with the token', () => {
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]+$/);
    expect(agent.output().split('\n')).toContain(`Open the UI: ${ready.url}`);
  });
});

describe('vplc-orchestrator status', () => {
  it('prints the UI address with the token and the vPLC live with its LAN address', async () => {
    let out = '';
    // Only the lock name is given: the port (0 here, so a random one) and the state directory come from the agent.
    expect(await printStatus(['--lock-name', lockName], env, (s) => void (out += s))).toBe(0);
    expect(out).toContain(`agent of this user: running (pid ${agent.child.pid})`);
    expect(out).toContain(`UI: ${ready.url}\n`);
    expect(out).toContain(`installation ${installation}: 1 vPLC(s) (live, from the running agent)`);
    expect(out).toMatch(new RegExp(`^  ${name} +running +\\S+ ${ip.replace(/\./g, '\\.')}$`, 'm'));
  });
});

describe('vplc-orchestrator open', () => {
  it('prints the address with the token when there is no display', () => {
    const r = cli(['open', '--lock-name', lockName], { DISPLAY: '', WAYLAND_DISPLAY: '' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`Open the UI: ${ready.url}\n`);
  });
});

describe('vplc-orchestrator support', () => {
  it('bundles the running agent’s state directory without --data-dir, and says so', () => {
    const out = path.join(dir, 'bundle.tar.gz');
    const r = cli(['support', '--out', out, '--lock-name', lockName]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`bundling ${dataDir}, the state directory of the running agent of this user (pid ${agent.child.pid})`);
    const list = spawnSync('tar', ['-tzf', out], { encoding: 'utf8' }).stdout;
    expect(list).toMatch(/\/state\/installation\.json$/m);
    expect(list).toMatch(/\/logs\/agent\.log$/m);
  });
});

describe('vplc-orchestrator status after the agent stopped', () => {
  it('says when it stopped, and shows Docker’s view of the same installation (the vPLC keeps running)', async () => {
    await agent.stop();
    let out = '';
    expect(await printStatus(['--lock-name', lockName], env, (s) => void (out += s))).toBe(0);
    expect(out).toMatch(/^agent of this user: not running — stopped at \w{3}, .+ \((now|\d+ minutes? ago)\)$/m);
    expect(out).not.toContain('UI:');
    expect(out).toContain(`installation ${installation}: 1 vPLC(s) (Docker's view; LAN addresses and warnings need the running agent)`);
    expect(out).toMatch(new RegExp(`^  ${name} +running `, 'm'));
  });
});

describe('the start-up print when stdout is the journal', () => {
  it('carries no token and no "Open the UI" line (JOURNAL_STREAM names the agent’s stdout)', async () => {
    await agent.stop();
    const file = path.join(dir, 'journal-stdout');
    const fd = openSync(file, 'w');
    const st = fstatSync(fd);
    const child = spawn(process.execPath, ['--import', 'tsx', 'electron/cli/run.ts', 'agent', ...args], {
      stdio: ['ignore', fd, 'ignore'],
      env: { ...process.env, VPLC_METRICS_PORT: '0', ...env, JOURNAL_STREAM: `${st.dev}:${st.ino}` },
    });
    closeSync(fd);
    try {
      const text = await waitFor(() => readFileSync(file, 'utf8'), (t) => t.includes('"event":"ready"'), { timeoutMs: 60_000, what: 'the ready line' });
      const line = JSON.parse(text.split('\n').find((l) => l.startsWith('{"event":"ready"')) ?? '{}') as { url?: string; token?: string };
      expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(line.token).toBeUndefined();
      expect(text).not.toContain('Open the UI');
      expect(text).not.toContain('#token=');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
