// needs: nothing outside this process (the agent it spawns refuses before it touches Docker, the network or root)
// What the agent refuses at start, from the real CLI entry: it exits 2 at once with the reason, the fix and the usage,
// before it takes the host lock, opens a port or touches Docker.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnAgent } from '../../support/agent-process.js';
import { newRunId } from '../../support/run.js';

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-refuse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function exitOf(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const agent = spawnAgent(['--no-cloud', '--ui-port', '0', '--data-dir', path.join(dir, 'data'), '--lock-name', `vt-${run}-refuse`, ...args], env);
  agent.ready.catch(() => undefined);
  // An agent that starts instead of refusing is stopped after 30 s, and the test then fails on its exit code.
  const started = setTimeout(() => void agent.stop(), 30_000);
  const code = await new Promise<number | null>((r) => agent.child.once('exit', r));
  clearTimeout(started);
  return { code, output: agent.output() };
}

describe('agent start refusals', () => {
  it('refuses a --runtime-image with a tag, naming the repository to give instead', async () => {
    const { code, output } = await exitOf(['--runtime-image', 'registry.local/openplc-runtime:4.1.4']);
    expect(code).toBe(2);
    expect(output).toContain('--runtime-image: "registry.local/openplc-runtime:4.1.4" carries a tag; give the repository only, e.g. "registry.local/openplc-runtime"');
    expect(output).not.toContain('"event":"ready"');
  });

  it('refuses a tagged repository in the settings file, and reads a `{}` file as all defaults', async () => {
    const tagged = path.join(dir, 'tagged.json');
    writeFileSync(tagged, '{"orchestrator":{"runtimeRepo":"ghcr.io/autonomy-logic/openplc-runtime:latest"}}');
    const refused = await exitOf([], { VPLC_SETTINGS: tagged });
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('orchestrator.runtimeRepo in the settings file: "ghcr.io/autonomy-logic/openplc-runtime:latest" carries a tag');

    // `{}` is valid: no quarantine warning; the same bad flag then shows the file was read and the flag refused.
    const empty = path.join(dir, 'empty.json');
    writeFileSync(empty, '{}');
    const flagged = await exitOf(['--runtime-image', 'x@sha256:00'], { VPLC_SETTINGS: empty });
    expect(flagged.code).toBe(2);
    expect(flagged.output).toContain('--runtime-image: "x@sha256:00" carries a digest');
    expect(flagged.output).not.toMatch(/corrupt|quarantin/);
    expect(readdirSync(dir).filter((f) => f.startsWith('empty.json'))).toEqual(['empty.json']);
  });
});
