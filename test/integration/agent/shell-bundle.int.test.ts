// needs: nothing outside this process but child Node processes it starts itself on the built dist/ (it fails, not skips, without it)
// The installed product starts in Electron's main process (package.json "main": dist/electron/shell/main.js), for the
// desktop app and for the system service (`vplc-orchestrator agent`). That file is an esbuild bundle like the CLI's
// (docs/decisions.md "Bundled entries"), and its paths to the preload and resources/ must resolve as from tsc's
// file. No Electron binary exists here: a node child loads the bundle with `electron` mapped to a stand-in that
// records its calls (test/support/fake-electron.ts), so the bundle is shown to load and reach its Electron calls.
// Needs `npm run build` (dist/). Runtime: about 3 s.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fakeElectron } from '../../support/fake-electron.js';
import { tempDir } from '../../support/pki.js';

const root = path.resolve(import.meta.dirname, '../../..');
const shellMain = path.join(root, 'dist/electron/shell/main.js');
const tmp = tempDir('vplc-shell-bundle-');

afterAll(() => tmp.dispose());

const Metafile = z.object({
  outputs: z.record(z.string(), z.object({ inputs: z.record(z.string(), z.unknown()), entryPoint: z.string().optional(), imports: z.array(z.object({ path: z.string(), external: z.boolean().optional() })) })),
});

function builtShell(): string {
  if (!existsSync(shellMain)) throw new Error(`${shellMain} is missing: run \`npm run build\` first`);
  return shellMain;
}

/** Runs the built shell in a node child with the stand-in; returns its exit, stderr and the Electron calls made. */
function runShell(args: string[], env: Record<string, string>) {
  const fake = fakeElectron(tmp.dir, Math.random().toString(36).slice(2));
  const r = spawnSync(process.execPath, ['--import', fake.importArg, builtShell(), ...args], {
    cwd: tmp.dir,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...fake.env, ...env, XDG_CONFIG_HOME: path.join(tmp.dir, 'config'), XDG_DATA_HOME: path.join(tmp.dir, 'data'), XDG_RUNTIME_DIR: path.join(tmp.dir, 'run') },
  });
  return { status: r.status, stderr: r.stderr, calls: fake.calls() };
}

describe('the bundled Electron shell', () => {
  it('is an esbuild output of electron/shell/main.ts with electron left external, and its relative paths resolve', () => {
    const metaFile = path.join(root, 'dist/bundle-meta.json');
    if (!existsSync(metaFile)) throw new Error(`${metaFile} is missing: run \`npm run build\` first`);
    const out = Metafile.parse(JSON.parse(readFileSync(metaFile, 'utf8'))).outputs['dist/electron/shell/main.js'];
    expect(out?.entryPoint).toBe('electron/shell/main.ts');
    // The entry module's own code stays in the entry file, so `here` is dist/electron/shell as for tsc's file.
    expect(Object.keys(out?.inputs ?? {})).toContain('electron/shell/main.ts');
    expect(out?.imports).toContainEqual(expect.objectContaining({ path: 'electron', external: true }));
    const text = readFileSync(builtShell(), 'utf8');
    for (const rel of ['../preload/index.cjs', '../../../resources']) expect(text).toContain(JSON.stringify(rel));
    const here = path.dirname(shellMain);
    // The preload stays its own CommonJS output (npm run build:preload), beside the shell's directory.
    expect(existsSync(path.join(here, '../preload/index.cjs'))).toBe(true);
    expect(existsSync(path.join(here, '../../../resources/icons/icon.png'))).toBe(true);
  });

  it('desktop mode: registers the app scheme, asks for the single-instance lock and exits 0 when another instance holds it', () => {
    const r = runShell([], {});
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls.map((c) => c.call)).toEqual(['protocol.registerSchemesAsPrivileged', 'app.requestSingleInstanceLock', 'app.exit']);
    expect(r.calls[0]?.args).toEqual([[expect.objectContaining({ scheme: 'app' })]]);
    expect(r.calls[2]?.args).toEqual([0]);
  });

  it('agent mode (the service): waits for Electron, runs the headless agent, and a usage error exits 1 through app.exit', () => {
    const r = runShell(['--ozone-platform=headless', 'agent', '--no-such-flag'], { VPLC_FAKE_ELECTRON_READY: '1' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.calls).toEqual([
      { call: 'app.on', args: ['window-all-closed'] },
      { call: 'app.whenReady', args: [] },
      { call: 'app.exit', args: [1] },
    ]);
    // The agent's own parser saw the flag (the Chromium switch before `agent` is not its business).
    expect(r.stderr).toContain('--no-such-flag');
  });
});
