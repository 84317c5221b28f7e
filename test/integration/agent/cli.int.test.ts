// The headless agent as a process: readiness, the host-wide lock, SIGTERM. Runtime: about 5-8 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

function agent(): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/cli/run.ts', 'agent', '--no-cloud', '--data-dir', dataDir, '--lock-name', lock, '--internal-pool', '198.19.96.0/24', '--ui-port', '0', '--metrics-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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
});
