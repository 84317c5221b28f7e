// The CLI finds the agent that runs through its real lock and state report: its UI address and token (`status`,
// `open`) and its state directory (`support`), in private run directories of this test.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runOpen } from '../../../../electron/cli/open.js';
import { findRunningAgent, lastDataDir, tokenAdvice, uiAccess, uiLink } from '../../../../electron/cli/running-agent.js';
import { pickDataDir } from '../../../../electron/cli/support.js';
import { loadConfig } from '../../../../electron/core/headless.js';
import { acquireHostLock, type HostLock } from '../../../../electron/lib/lock/host-lock.js';
import { agentFiles } from '../../../../electron/lib/lock/run-dir.js';
import { writeReport } from '../../../../electron/lib/lock/state-report.js';
import { defaultSettings } from '../../../../electron/core/settings/schema.js';

/** The lock name of a user's agent by default (the CLI commands look for it). */
const LOCK = defaultSettings().agent.lockName;

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-cli-agent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const held: HostLock[] = [];
afterEach(async () => {
  for (const l of held.splice(0)) await l.release();
});

let n = 0;
/** A host with its own service and user run directories; nothing runs yet. */
function host(): { env: NodeJS.ProcessEnv; service: ReturnType<typeof agentFiles>; user: ReturnType<typeof agentFiles>; root: string } {
  const root = path.join(dir, `host-${++n}`);
  const env = { VPLC_SERVICE_RUN_DIR: path.join(root, 'svc'), XDG_RUNTIME_DIR: path.join(root, 'xdg') };
  const service = agentFiles(env.VPLC_SERVICE_RUN_DIR, 'agent');
  const user = agentFiles(path.join(env.XDG_RUNTIME_DIR, 'vplc-orchestrator'), LOCK);
  for (const d of [service.dir, user.dir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  return { env, service, user, root };
}

async function runs(files: ReturnType<typeof agentFiles>, fields: { uiPort?: number; tokenFile?: string; dataDir?: string }): Promise<void> {
  const lock = await acquireHostLock(files.lock);
  if (!lock) throw new Error('lock not taken');
  held.push(lock);
  await writeReport(files.report, { state: 'running', ...fields });
}

describe('findRunningAgent and uiAccess', () => {
  it('finds nothing when no agent holds its lock, even with a report left behind', async () => {
    const h = host();
    await writeReport(h.user.report, { state: 'stopped', uiPort: 40000 });
    expect(await findRunningAgent(h.env, LOCK)).toBeNull();
  });

  it('gives this user’s agent’s recorded port and token (not the configured port)', async () => {
    const h = host();
    const tokenFile = path.join(h.root, 'token');
    writeFileSync(tokenFile, 'cd'.repeat(32) + '\n');
    await runs(h.user, { uiPort: 41234, tokenFile, dataDir: '/srv/state' });
    const agent = await findRunningAgent(h.env, LOCK);
    expect(agent).toMatchObject({ label: 'agent of this user', pid: process.pid });
    const access = await uiAccess(agent!, { uiPort: 48750, tokenFiles: [] });
    expect(uiLink(access)).toBe(`http://127.0.0.1:41234/#token=${'cd'.repeat(32)}`);
  });

  it('prefers the system service, and says which token file is missing and what to do', async () => {
    const h = host();
    await runs(h.user, { uiPort: 41000 });
    await runs(h.service, { uiPort: 42000, tokenFile: path.join(h.root, 'svc', 'token') });
    const agent = await findRunningAgent(h.env, LOCK);
    expect(agent?.label).toBe('system service');
    const access = await uiAccess(agent!, { uiPort: 48750, tokenFiles: [] });
    expect(access).toMatchObject({ url: 'http://127.0.0.1:42000/', token: null });
    expect(tokenAdvice(access, agent!)).toBe(
      `the token is not readable (${path.join(h.root, 'svc', 'token')} does not exist); join the vplc-orchestrator group (sudo usermod -aG vplc-orchestrator "$USER", then log in again) or run this command with sudo`,
    );
  });

  it('falls back to the configured port and the usual token files for an agent that recorded neither', async () => {
    const h = host();
    const tokenFile = path.join(h.root, 'usual-token');
    writeFileSync(tokenFile, 'ef'.repeat(32));
    await runs(h.user, {});
    const access = await uiAccess((await findRunningAgent(h.env, LOCK))!, { uiPort: 43000, tokenFiles: [path.join(h.root, 'none'), tokenFile] });
    expect(uiLink(access)).toBe(`http://127.0.0.1:43000/#token=${'ef'.repeat(32)}`);
  });
});

describe('lastDataDir', () => {
  it('is the state directory of the agent that reported last, running or stopped', async () => {
    const h = host();
    expect(await lastDataDir(h.env, LOCK)).toBeNull();
    await writeReport(h.service.report, { state: 'stopped', dataDir: '/var/lib/vplc-orchestrator' }, () => new Date('2026-12-01T00:00:00Z'));
    await writeReport(h.user.report, { state: 'stopped', dataDir: '/home/u/.local/share/vplc-orchestrator' }, () => new Date('2026-12-02T00:00:00Z'));
    expect(await lastDataDir(h.env, LOCK)).toBe('/home/u/.local/share/vplc-orchestrator');
    await writeReport(h.service.report, { state: 'running', dataDir: '/var/lib/vplc-orchestrator' }, () => new Date('2026-12-03T00:00:00Z'));
    expect(await lastDataDir(h.env, LOCK)).toBe('/var/lib/vplc-orchestrator');
  });
});

describe('support: which state directory it bundles', () => {
  it('takes the running agent’s, and says so', async () => {
    const h = host();
    await runs(h.service, { uiPort: 42001, tokenFile: '/run/x/token', dataDir: '/var/lib/vplc-orchestrator' });
    const { config } = await loadConfig([]);
    const picked = await pickDataDir([], config, h.env);
    expect(picked.config.dataDir).toBe('/var/lib/vplc-orchestrator');
    expect(picked.config.uiPort).toBe(42001);
    expect(picked.tokenFiles[0]).toBe('/run/x/token');
    expect(picked.why).toBe(`bundling /var/lib/vplc-orchestrator, the state directory of the running system service (pid ${process.pid})`);
  });

  it('keeps an explicit --data-dir, and names the directory when no agent runs', async () => {
    const h = host();
    const { config } = await loadConfig(['--data-dir', '/tmp/asked']);
    expect((await pickDataDir(['--data-dir', '/tmp/asked'], config, h.env)).why).toBe('bundling /tmp/asked (as asked)');
    const none = await pickDataDir([], (await loadConfig([])).config, h.env);
    expect(none.why).toMatch(/^no agent runs on this PC; bundling \/.+ \(from the settings, or this user's default; give --data-dir for another\)$/);
  });
});

describe('vplc-orchestrator open', () => {
  async function open(env: NodeJS.ProcessEnv, opens: boolean): Promise<{ code: number; out: string; err: string; browsed: string[] }> {
    const r = { out: '', err: '', browsed: [] as string[] };
    const code = await runOpen([], env, {
      out: (s) => void (r.out += s),
      err: (s) => void (r.err += s),
      browse: (url) => {
        r.browsed.push(url);
        return Promise.resolve(opens);
      },
    });
    return { code, ...r };
  }

  it('prints the address with the token when the session has no display', async () => {
    const h = host();
    const tokenFile = path.join(h.root, 'token');
    writeFileSync(tokenFile, '12'.repeat(32));
    await runs(h.user, { uiPort: 44000, tokenFile });
    const r = await open(h.env, true);
    expect(r).toEqual({ code: 0, out: `Open the UI: http://127.0.0.1:44000/#token=${'12'.repeat(32)}\n`, err: '', browsed: [] });
  });

  it('opens the browser when there is a display, and prints the address when the browser cannot start', async () => {
    const h = host();
    const tokenFile = path.join(h.root, 'token');
    writeFileSync(tokenFile, '34'.repeat(32));
    await runs(h.user, { uiPort: 44001, tokenFile });
    const link = `http://127.0.0.1:44001/#token=${'34'.repeat(32)}`;
    expect(await open({ ...h.env, DISPLAY: ':0' }, true)).toEqual({ code: 0, out: `opening the UI in the browser: ${link}\n`, err: '', browsed: [link] });
    expect(await open({ ...h.env, WAYLAND_DISPLAY: 'wayland-0' }, false)).toEqual({ code: 0, out: `Open the UI: ${link}\n`, err: '', browsed: [link] });
  });

  it('says so when no agent runs, or when the token cannot be read', async () => {
    const h = host();
    const none = await open(h.env, true);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/^vplc-orchestrator open: no agent runs on this PC/);
    await runs(h.user, { uiPort: 44002, tokenFile: path.join(h.root, 'gone') });
    const unreadable = await open(h.env, true);
    expect(unreadable.code).toBe(1);
    expect(unreadable.err).toContain(`the UI is at http://127.0.0.1:44002/, but the token is not readable (${path.join(h.root, 'gone')} does not exist)`);
  });
});
