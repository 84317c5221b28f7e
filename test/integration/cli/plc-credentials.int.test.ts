// needs: the real Docker engine (the agent starts against it; no vPLC is created). Runs in about 20 s.
// `vplc-orchestrator plc …` and the program upload route against a real headless agent process (private run
// directories), then a support bundle of that agent's state directory with stored runtime credentials: the password
// given to the CLI and the one in the credentials file are in no output, no log, no journal and no bundle entry
// (docs/plc.md "Credentials"). Until the orchestrator's PLC part is merged the plc:* channels refuse; what this file
// asserts holds either way.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAM_UPLOAD } from '../../../shared/api/program-upload.js';
import { spawnAgent, type AgentProcess, type Ready } from '../../support/agent-process.js';
import { NETHELPER_IMAGE, STANDIN_REPO } from '../../support/docker.js';
import { testSettingsFile } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { internalPoolFor, newRunId, workerSlot } from '../../support/run.js';

requireDocker();

const run = newRunId();
const slot = workerSlot();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-cli-plc-'));
const dataDir = path.join(dir, 'data');
const settings = path.join(dir, 'settings.json');
const lockName = `vt-${run}-plc`;
const vplc = `vt-${run}-plc`;
const env: NodeJS.ProcessEnv = { XDG_RUNTIME_DIR: path.join(dir, 'xdg'), VPLC_SERVICE_RUN_DIR: path.join(dir, 'svc'), XDG_CONFIG_HOME: path.join(dir, 'config'), INVOCATION_ID: undefined, JOURNAL_STREAM: undefined };
const args = ['--no-cloud', '--ui-port', '0', '--data-dir', dataDir, '--settings', settings, '--lock-name', lockName, '--internal-pool', internalPoolFor(slot), '--runtime-image', STANDIN_REPO, '--helper-image', NETHELPER_IMAGE];
/** Given to the CLI on stdin. */
const TYPED = `typed-Pw-${run}`;
/** Already in the credentials file, as part B stores it. */
const STORED = `stored-Pw-${run}`;
let agent: AgentProcess;
let ready: Ready;

const cli = (argv: string[], input?: string): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/run.ts', ...argv], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000, ...(input !== undefined ? { input } : {}) });
/** How the CLI finds this agent: its lock name and port (the token is in the private XDG_RUNTIME_DIR). */
const agentArgs = (): string[] => ['--lock-name', lockName, '--ui-port', String(ready.port)];

/** Every file under `root`, except the credentials file itself (and its temporaries), the one place a password may be. */
function everythingWritten(root: string): string {
  let text = '';
  for (const e of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && !e.name.startsWith('runtime-credentials.json')) text += readFileSync(path.join(e.parentPath, e.name), 'latin1');
  }
  return text;
}

beforeAll(async () => {
  writeFileSync(settings, testSettingsFile());
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dataDir, 'runtime-credentials.json'), JSON.stringify({ version: 1, vplcs: { [vplc]: { username: 'admin', password: STORED, saved_at: new Date().toISOString() } } }), { mode: 0o600 });
  agent = spawnAgent(args, env);
  ready = await agent.ready;
}, 90_000);

afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('vplc-orchestrator plc against a real agent', () => {
  it('refuses a password on the command line (exit 2) without contacting the agent', () => {
    const r = cli(['plc', 'login', vplc, '--user', 'admin', '--password', TYPED, ...agentArgs()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^vplc-orchestrator plc: --password is refused: a password is never taken from the command line/);
    expect(r.stdout + r.stderr).not.toContain(TYPED);
  });

  it('sends login and create-user with the password from stdin, and prints the agent’s answer without it', () => {
    for (const argv of [
      ['plc', 'login', vplc, '--user', 'admin', '--password-stdin', ...agentArgs()],
      ['plc', 'create-user', vplc, '--user', 'admin', '--password-stdin', '--yes', ...agentArgs()],
    ]) {
      const r = cli(argv, `${TYPED}\n`);
      expect(r.status, r.stderr).not.toBeNull();
      // The agent answered (a refusal until the PLC part is merged, or the runtime's verdict): not "no running agent".
      expect(r.stderr).not.toContain('no running agent answered');
      expect(r.stdout + r.stderr).not.toContain(TYPED);
    }
  });

  it('answers status for an unknown vPLC with exit 1, naming it', () => {
    const r = cli(['plc', 'status', `${vplc}-gone`, ...agentArgs()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${vplc}-gone`);
  });
});

describe('the program upload route of a real agent', () => {
  it('answers an envelope and leaves no temporary file in the upload directory', async () => {
    const body = Buffer.from('PK\u0003\u0004 not really a program');
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: ready.port,
          path: PROGRAM_UPLOAD.path,
          method: 'POST',
          headers: { 'content-length': String(body.length), [PROGRAM_UPLOAD.tokenHeader]: ready.token, [PROGRAM_UPLOAD.vplcHeader]: vplc, [PROGRAM_UPLOAD.nameHeader]: 'prog.zip' },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status).toBe(200);
    const envelope = JSON.parse(answer.body) as { ok: boolean; error?: { message: string } };
    expect(typeof envelope.ok).toBe('boolean');
    expect(answer.body).not.toContain(path.join(dataDir, 'uploads'));
    expect(readdirSync(path.join(dataDir, 'uploads')).filter((f) => f.endsWith('.program.zip'))).toEqual([]);
  });
});

describe('secrets after all that', () => {
  it('no log or journal of the agent holds either password, and the support bundle holds neither nor the credentials file', () => {
    const written = everythingWritten(dataDir);
    expect(written).toContain('"level"');
    expect(written).not.toContain(STORED);
    expect(written).not.toContain(TYPED);

    const out = path.join(dir, 'bundle.tar.gz');
    const r = cli(['support', '--out', out, '--lock-name', lockName]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`bundling ${dataDir}`);
    const list = spawnSync('tar', ['-tzf', out], { encoding: 'utf8' }).stdout;
    expect(list).toMatch(/\/logs\/agent\.log$/m);
    expect(list).not.toContain('runtime-credentials');
    const unpacked = path.join(dir, 'unpacked');
    mkdirSync(unpacked);
    expect(spawnSync('tar', ['-xzf', out, '-C', unpacked]).status).toBe(0);
    const bundled = everythingWritten(unpacked);
    expect(bundled).not.toContain(STORED);
    expect(bundled).not.toContain(TYPED);
  }, 60_000);
});
