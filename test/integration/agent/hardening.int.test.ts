// The headless agent as a process under hostile local input and failed starts: one malformed request to each
// loopback port (these killed the agent), a start that rejects (unreadable settings file) and an uncaught exception
// under the process handlers, each as a real spawned process. Runtime: about 8-15 s.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FATAL_EXIT_CODE } from '../../../electron/lib/process/fatal.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { requireDocker } from '../../support/require.js';
import { internalPoolFor, newRunId, workerSlot } from '../../support/run.js';

requireDocker();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-hardening-'));
const agents: AgentProcess[] = [];

afterAll(async () => {
  for (const a of agents) await a.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request on a fresh socket; resolves with the status line, or what happened instead. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) {
        s.destroy();
        resolve(got.slice(0, got.indexOf('\r\n')));
      }
    });
    s.on('error', (err) => resolve(`error: ${err.message}`));
    s.on('close', () => resolve(got ? got : 'closed without an answer'));
    s.write(request);
  });
}

/** Runs a process to its end; resolves with its exit code and everything it wrote. */
function finish(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    }),
  );
}

describe('a running agent under malformed local requests', () => {
  it('answers GET /% on the UI port and GET // on the metrics port with 400 and keeps running', async () => {
    const agent = spawnAgent(['--no-cloud', '--ui-port', '0', '--data-dir', path.join(dir, 'data'), '--lock-name', `vt-${run}-hardening`, '--internal-pool', internalPoolFor(workerSlot()), '--mtls-dir', path.join(dir, 'mtls')], {
      VPLC_TOKEN_FILE: path.join(dir, 'token'),
      XDG_CONFIG_HOME: path.join(dir, 'config'),
    });
    agents.push(agent);
    const ready = await agent.ready;
    const metricsPort = ready.metricsPort ?? 0;
    expect(await raw(ready.port, `GET /% HTTP/1.1\r\nHost: 127.0.0.1:${ready.port}\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw(metricsPort, `GET // HTTP/1.1\r\nHost: 127.0.0.1:${metricsPort}\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw(metricsPort, `GET http://127.0.0.1:${metricsPort}/metrics HTTP/1.1\r\nHost: 127.0.0.1:${metricsPort}\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    expect(agent.child.exitCode).toBeNull();
    expect(await raw(metricsPort, `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:${metricsPort}\r\n\r\n`)).toBe('HTTP/1.1 200 OK');
    const index = await raw(ready.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${ready.port}\r\n\r\n`);
    expect(index).toMatch(/^HTTP\/1\.1 (200 OK|503 Service Unavailable)$/);
    await agent.stop();
    expect(agent.child.exitCode).toBe(0);
  });
});

describe('process exits', () => {
  it('exits 1 (never an active process without an agent) when the settings file cannot be read', async () => {
    const settings = path.join(dir, 'settings-is-a-directory');
    mkdirSync(settings);
    const r = await finish(['electron/cli/run.ts', 'agent', '--settings', settings, '--no-cloud', '--data-dir', path.join(dir, 'data-2'), '--lock-name', `vt-${run}-hardening-2`]);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/^vplc-orchestrator: cannot start: settings unreadable: .*EISDIR/m);
  });

  it(`exits ${FATAL_EXIT_CODE} after an uncaught exception, with the stack on stderr and in the attached log`, async () => {
    const log = path.join(dir, 'fatal.log');
    const script = [
      "import { appendFileSync } from 'node:fs';",
      "import { runMain } from './electron/lib/process/fatal.ts';",
      'void runMain((fatal) => {',
      `  fatal.attach((msg, data) => appendFileSync(${JSON.stringify(log)}, JSON.stringify({ msg, data }) + '\\n'));`,
      "  setTimeout(() => { throw new Error('boom in a timer'); }, 10);",
      '  return new Promise(() => undefined);',
      "}, process, { name: 'fatal-test', exit: (c) => process.exit(c), stderr: (t) => process.stderr.write(t) });",
    ].join('\n');
    const r = await finish(['--input-type=module', '-e', script]);
    expect(r.code).toBe(FATAL_EXIT_CODE);
    expect(r.output).toContain('fatal-test: uncaught exception: Error: boom in a timer');
    expect(readFileSync(log, 'utf8')).toContain('boom in a timer');
  });
});
