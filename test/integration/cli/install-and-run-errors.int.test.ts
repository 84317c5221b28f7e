// needs: bash, and Docker's CLI and engine binaries on the host (the script checks for them before it checks Node)
// scripts/install-and-run's errors name install-and-run (they used to say "test-all:"). The script runs with a PATH
// that has no node, so it stops at the Node.js check, after the package check and before it installs or starts anything.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../../support/require.js';

// The script looks for the engine's binaries before it checks Node; without them it would try to install packages.
requireDocker();

const bin = mkdtempSync(path.join(tmpdir(), 'vplc-no-node-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));
const which = (cmd: string): string => execFileSync('bash', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();

describe('scripts/install-and-run', () => {
  it('prefixes its errors with its own name', () => {
    for (const cmd of ['bash', 'docker', 'dockerd', 'dpkg-query', 'grep', 'readlink', 'dirname', 'basename', 'id']) symlinkSync(which(cmd), path.join(bin, cmd));
    const r = spawnSync(path.join(bin, 'bash'), ['scripts/install-and-run'], { encoding: 'utf8', env: { PATH: bin, HOME: process.env.HOME ?? '/root' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('install-and-run: node and npm are required (Node.js >= 20.19); install them first\n');
  });
});
