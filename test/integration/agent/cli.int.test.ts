// The headless agent as a process: readiness, the host-wide lock, SIGTERM (also while it starts). Runtime: about 8-12 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const dataDir = mkdtempSync(path.join(tmpdir(), 'vplc-cli-'));
const lock = `vt-${run}-agent-lock`;
const children: ChildProcess[] = [];

function agent(env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/cli/run.ts', 'agent', '--no-cloud', '--data-dir', dataDir, '--lock-name', lock, '--internal-pool', '198.19.96.0/24', '--ui-port', '0', '--metrics-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, output: () => out, exited };
}

async function until(check: () => boolean, what: string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const readState = (file: string): string | undefined => {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { state?: string }).state;
  } catch {
    return undefined;
  }
};

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('vplc-orchestrator agent', () => {
  it('becomes ready, refuses a second agent on the host, and stops cleanly on SIGTERM', async () => {
    const first = agent();
    await until(() => first.output().includes('agent ready'), '"agent ready"');

    const second = agent();
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(new RegExp(`another agent already drives Docker on this host \\(pid ${first.child.pid}\\)`));

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('stopping the agent; vPLCs keep running');
  });

  it('stops cleanly on a SIGTERM that comes while it starts, before it has said it is ready', async () => {
    // Its own runtime directory, so the state report is this agent's and nobody else's.
    const runtime = path.join(dataDir, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const report = path.join(runtime, 'vplc-orchestrator', `${lock}.json`);
    const a = agent({ ...process.env, XDG_RUNTIME_DIR: runtime });
    // A supervisor (systemd, the desktop app) may stop the agent at any moment of its start.
    await until(() => readState(report) === 'starting', 'the state report to say "starting"', 2);
    a.child.kill('SIGTERM');
    expect(await a.exited, a.output()).toBe(0);
    expect(a.output()).toContain('SIGTERM: stopping the agent; vPLCs keep running');
    expect(readState(report)).toBe('stopped');
  });
});
