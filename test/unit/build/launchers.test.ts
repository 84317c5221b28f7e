// glibc reads MALLOC_ARENA_MAX only at process start, so every launcher sets it for the node it starts
// (docs/decisions.md "Bundled entries"): two arenas unless the caller chose a value.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-launchers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Environment without the caller's arena setting or node options, plus `extra`. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('MALLOC_ARENA_MAX' in extra)) delete e.MALLOC_ARENA_MAX;
  if (!('NODE_OPTIONS' in extra)) delete e.NODE_OPTIONS;
  return e;
}

describe('bin/vplc-orchestrator.js (the npm bin, run through its symlink as npm installs it)', () => {
  // Loaded by the node the shebang starts, before the launcher: reports what that process got, then ends it.
  const probe = path.join(dir, 'probe.mjs');
  writeFileSync(probe, "console.log(JSON.stringify({ arena: process.env.MALLOC_ARENA_MAX ?? null, argv: process.argv.slice(2) })); process.exit(0);\n");
  const link = path.join(dir, 'vplc-orchestrator');
  symlinkSync(path.join(root, 'bin/vplc-orchestrator.js'), link);
  const run = (extra: Record<string, string>, args: string[]) => {
    const r = spawnSync(link, args, { encoding: 'utf8', env: env({ NODE_OPTIONS: `--import=${probe}`, ...extra }) });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { arena: string | null; argv: string[] };
  };

  it('starts node with two malloc arenas and passes the arguments through unchanged', () => {
    expect(run({}, ['status', 'a b', '$HOME', "it's"])).toEqual({ arena: '2', argv: ['status', 'a b', '$HOME', "it's"] });
  });

  it('keeps the caller’s value', () => {
    expect(run({ MALLOC_ARENA_MAX: '4' }, ['status']).arena).toBe('4');
  });
});

describe('scripts/install-and-run', () => {
  // The script's last step, run on its own (the rest installs packages and builds) with a `node` that reports.
  const line = readFileSync(path.join(root, 'scripts/install-and-run'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('exec '))
    .at(-1);
  const fakeBin = path.join(dir, 'fake-bin');
  const fakeNode = path.join(fakeBin, 'node');
  mkdirSync(fakeBin, { recursive: true });
  writeFileSync(fakeNode, '#!/bin/sh\nprintf "%s\\n" "arena=${MALLOC_ARENA_MAX-unset}" "$@"\n');
  chmodSync(fakeNode, 0o755);
  const run = (extra: Record<string, string>, args: string[]): string[] => {
    const r = spawnSync('bash', ['-c', line ?? 'exit 3', 'install-and-run', ...args], { encoding: 'utf8', env: env({ PATH: `${fakeBin}:${process.env.PATH ?? ''}`, ...extra }) });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trimEnd().split('\n');
  };

  it('runs the agent in local-only mode with two malloc arenas, passing its arguments on', () => {
    expect(run({}, ['--runtime-image', 'registry.local/x y'])).toEqual(['arena=2', 'bin/vplc-orchestrator.js', 'agent', '--no-cloud', '--runtime-image', 'registry.local/x y']);
  });

  it('keeps the caller’s value', () => {
    expect(run({ MALLOC_ARENA_MAX: '8' }, [])[0]).toBe('arena=8');
  });
});
