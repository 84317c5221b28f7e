// The workers as in-process services (the default `agent.workers`): an error that escapes from inside one service ends
// and restarts that service alone, with backoff, while the other two keep running untouched; an error from the agent's
// own code still ends the process (exit 70) so systemd starts a clean one. The real agent and the real worker classes
// run in a child process (test/support/agent/service-crashes.ts), under the product's own fatal handlers.
// Runtime: about 40-60 s (nine crashes, each restarted after its backoff).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-crashes-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Health = Record<string, { state: string; crashes: number }>;
type Step = {
  step: string;
  config?: string;
  how?: string;
  name?: string;
  armed?: { ok: boolean; value?: unknown };
  before?: Record<string, number>;
  after?: Record<string, number>;
  starts?: Record<string, number>;
  during?: Health;
  health?: Health;
  answers?: Record<string, boolean>;
  monitors?: number;
  crashReports?: string[];
};

function runChild(scenario: 'services' | 'agent', name: string): Promise<{ code: number | null; steps: Step[]; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/agent/service-crashes.ts', path.join(dir, name), `vt-${run}-${name}`, '198.19.88.0/24', path.join(dir, 'mtls')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VPLC_CRASH_SCENARIO: scenario, XDG_CONFIG_HOME: path.join(dir, 'config') } },
  );
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) =>
      resolve({
        code,
        stderr,
        steps: out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Step),
      }),
    ),
  );
}

const WORKERS = ['netmon', 'orchestrator', 'cloudlink'];

describe('in-process services', () => {
  it('restart only the service an error escaped from, three ways in each service', async () => {
    const { code, steps, stderr } = await runChild('services', 'services');
    expect(code, stderr).toBe(0);
    const [started, ...rest] = steps;
    expect(started).toMatchObject({ step: 'started', config: 'in-process', starts: { netmon: 1, orchestrator: 1, cloudlink: 1 }, monitors: 1 });
    const crashes = rest.filter((s) => s.step === 'crashed');
    expect(crashes.map((c) => `${c.how} in ${c.name}`)).toEqual(['throw', 'reject', 'socket'].flatMap((how) => WORKERS.map((w) => `${how} in ${w}`)));
    const crashed: Record<string, number> = { netmon: 0, orchestrator: 0, cloudlink: 0 };
    for (const c of crashes) {
      const name = c.name as string;
      crashed[name] = (crashed[name] ?? 0) + 1;
      const others = WORKERS.filter((w) => w !== name);
      expect(c.armed, `${c.how} in ${name}`).toEqual({ ok: true, value: 'armed' });
      // That service was made anew exactly once; the others were not touched.
      expect(c.after?.[name], `${c.how} in ${name}`).toBe((c.before?.[name] ?? 0) + 1);
      for (const w of others) expect(c.after?.[w], `${w} during ${c.how} in ${name}`).toBe(c.before?.[w]);
      expect(c.during?.[name]?.state, `${c.how} in ${name}`).toBe('backoff');
      for (const w of others) expect(c.during?.[w]?.state, `${w} during ${c.how} in ${name}`).toBe('running');
      // Each service's crash count is its own.
      expect(Object.fromEntries(WORKERS.map((w) => [w, c.health?.[w]?.crashes]))).toEqual(crashed);
      expect(c.answers, `${c.how} in ${name}`).toEqual({ netmon: true, orchestrator: true, cloudlink: true });
      // A crashed netmon's stop ended its `ip monitor`; its successor runs one.
      expect(c.monitors, `${c.how} in ${name}`).toBe(1);
    }
    const done = rest.find((s) => s.step === 'done');
    expect(done?.crashReports).toHaveLength(9);
    for (const w of WORKERS) expect(done?.crashReports?.filter((m) => m.includes(`${w} service crashed`))).toHaveLength(3);
    expect(done?.monitors).toBe(0);
  }, 180_000);

  it('still end the whole process for an error in the agent itself', async () => {
    const { code, steps, stderr } = await runChild('agent', 'agent');
    expect(steps.map((s) => s.step)).toEqual(['started']);
    expect(code).toBe(70);
    expect(stderr).toContain('service-crashes: uncaught exception: Error: injected fault in the agent itself');
  }, 60_000);
});
