// needs: nothing outside this process but child Node processes it starts itself on the built dist/ (it fails, not skips, without it)
// The idle footprint (docs/testing.md P3) depends on what each thread loads at start: the agent's main thread (the CLI
// entry, or the Electron shell's entry the desktop app and the service start from, and everything it imports; the
// shell runs with `electron` mapped to a stand-in) must not load dockerode (with ssh2, gRPC and protobufjs), the orchestrator worker
// must not load socket.io-client until its first runtime debug session, and no thread loads the real ssh2, gRPC or
// protobufjs at all (the build stubs them, docs/decisions.md "Bundled entries"). The agent runs esbuild bundles
// (scripts/build-bundles.mjs), so packages no longer show up as module resolutions: a node child with a resolve hook
// reports every file it resolves, and the build's metafile (dist/bundle-meta.json) says which packages each bundle
// file holds. The worker entries run in real worker threads, as the agent runs them, up to their first message (all
// their static imports are loaded by then). The controls run the code that needs a package and must see it.
// Needs `npm run build` (dist/). Runtime: about 5 s.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fakeElectron } from '../../support/fake-electron.js';
import { tempDir } from '../../support/pki.js';

const root = path.resolve(import.meta.dirname, '../../..');
const distFile = (p: string): string => {
  const f = path.join(root, 'dist/electron', p);
  if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`);
  return f;
};
const dist = (p: string): string => pathToFileURL(distFile(p)).href;
const tmp = tempDir('vplc-lazy-modules-');

afterAll(() => tmp.dispose());

const Metafile = z.object({ outputs: z.record(z.string(), z.object({ inputs: z.record(z.string(), z.unknown()) })) });

/** The npm package a bundle input or a resolved file belongs to; stubbed packages read as `stub:<name>`. */
function packageOf(file: string): string | null {
  const stub = /^vplc-stub:(.+)$/.exec(file);
  if (stub) return `stub:${stub[1]}`;
  const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
  return m ? (m[1] as string).replace(/\\/g, '/') : null;
}

/** Absolute path of each bundle output → the packages it holds (from the build's metafile). */
function bundleContents(): Map<string, Set<string>> {
  const metaFile = path.join(root, 'dist/bundle-meta.json');
  if (!existsSync(metaFile)) throw new Error(`${metaFile} is missing: run \`npm run build\` first`);
  const meta = Metafile.parse(JSON.parse(readFileSync(metaFile, 'utf8')));
  const out = new Map<string, Set<string>>();
  for (const [file, o] of Object.entries(meta.outputs)) {
    out.set(path.resolve(root, file), new Set(Object.keys(o.inputs).map(packageOf).filter((p): p is string => p !== null)));
  }
  return out;
}

type Loaded = { packages: Set<string>; files: Set<string> };

/**
 * Runs `body` (an ES module) in a fresh node with the hook; returns the files under dist/ it resolved and the packages
 * those hold (plus any package resolved from node_modules directly). The hook appends each resolution to a file
 * synchronously, before the module it resolved is loaded, so no line can be lost when the child exits right after a
 * late dynamic import. Worker threads inherit the hook through the --import flag.
 */
function loadedBy(body: string, env: NodeJS.ProcessEnv = {}): Loaded {
  const id = Math.random().toString(36).slice(2);
  const out = tmp.write(`resolved-${id}.txt`, '');
  // The hook also maps `electron` to a stand-in (no Electron binary here), for the shell's entry.
  const hook = fakeElectron(tmp.dir, id, `if (r.url.startsWith('file:')) appendFileSync(${JSON.stringify(out)}, r.url + '\\n');`);
  const main = tmp.write(`main-${id}.mjs`, body);
  const r = spawnSync(process.execPath, ['--import', hook.importArg, main], { cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...hook.env, ...env } });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain('OK');
  const contents = bundleContents();
  const files = new Set(readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').map((u) => fileURLToPath(u)));
  const packages = new Set<string>();
  for (const f of files) {
    const direct = packageOf(f);
    if (direct) packages.add(direct);
    for (const p of contents.get(f) ?? []) packages.add(p);
  }
  return { packages, files };
}

/** Runs a built worker entry in a worker thread until it answers a liveness probe (its entry has loaded), then ends it. */
const inWorker = (entry: string): string =>
  [
    "import { Worker } from 'node:worker_threads';",
    "import { once } from 'node:events';",
    `const w = new Worker(new URL(${JSON.stringify(dist(entry))}));`,
    "w.postMessage({ t: 'probe', id: 1 });",
    "await once(w, 'message');",
    'await w.terminate();',
    "console.log('OK');",
  ].join('\n');

const NEVER = ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'];
const heavy = (l: Loaded, names: readonly string[]): string[] => [...l.packages].filter((p) => names.includes(p));

describe('heavy packages stay unloaded until used (built bundles)', () => {
  it('the bundled CLI entry the agent starts from loads no dockerode, ssh2 or gRPC', () => {
    const loaded = loadedBy(`import ${JSON.stringify(dist('cli/main.js'))};\nconsole.log('OK');\n`);
    // zod is bundled into a shared chunk: seen through the metafile, so the mapping works.
    expect(loaded.packages.has('zod')).toBe(true);
    expect(heavy(loaded, ['dockerode', 'docker-modem', ...NEVER, 'socket.io-client', 'werift'])).toEqual([]);
    // Only bundle files run: no tsc output module of the app is loaded beside the bundle.
    expect([...loaded.files].filter((f) => f.startsWith(path.join(root, 'dist/electron/core')))).toEqual([]);
  });

  it('the bundled Electron shell (desktop app and service) starts with no dockerode, socket.io-client or werift, and no tsc output', () => {
    // Agent mode, as the service starts it; the stand-in's app.whenReady never resolves, so this is the start-up graph.
    const loaded = loadedBy(`process.argv.push('agent');\nawait import(${JSON.stringify(dist('shell/main.js'))});\nconsole.log('OK');\n`);
    expect(loaded.packages.has('zod')).toBe(true);
    expect(loaded.files.has(distFile('shell/main.js'))).toBe(true);
    expect(heavy(loaded, ['dockerode', 'docker-modem', ...NEVER, 'socket.io-client', 'werift'])).toEqual([]);
    expect([...loaded.files].filter((f) => f.startsWith(path.join(root, 'dist/electron/')) && !f.startsWith(path.join(root, 'dist/electron/chunks/')) && f !== distFile('shell/main.js'))).toEqual([]);
  });

  it('control: the support command loads dockerode (its lazy chunk) when it asks Docker', () => {
    const loaded = loadedBy(
      [
        `const { main } = await import(${JSON.stringify(dist('cli/main.js'))});`,
        `await main(['support', '--out', ${JSON.stringify(path.join(tmp.dir, 'support.tar.gz'))}, '--lock-name', 'vt-lazy-modules-none']);`,
        "console.log('OK');",
      ].join('\n'),
      // A socket nothing listens on: dockerode is loaded to ask, and the question fails fast. Settings and state in tmp.
      { DOCKER_HOST: 'unix:///nonexistent/vplc-lazy-test.sock', XDG_CONFIG_HOME: path.join(tmp.dir, 'config'), XDG_DATA_HOME: path.join(tmp.dir, 'data') },
    );
    expect(loaded.packages.has('dockerode')).toBe(true);
    expect(heavy(loaded, NEVER)).toEqual([]);
  });

  it('the orchestrator worker loads dockerode with the stubs, and no socket.io-client until a debug session connects', () => {
    const loaded = loadedBy(inWorker('workers/orchestrator/entry.js'));
    expect(loaded.packages.has('dockerode')).toBe(true);
    expect(loaded.packages.has('stub:ssh2')).toBe(true);
    expect(heavy(loaded, [...NEVER, 'socket.io-client', 'engine.io-client', 'werift'])).toEqual([]);
  });

  it('the cloud link worker loads socket.io-client but no werift until the first offer; netmon loads neither dockerode nor socket.io', () => {
    const cloud = loadedBy(inWorker('workers/cloudlink/entry.js'));
    expect(cloud.packages.has('socket.io-client')).toBe(true);
    expect(heavy(cloud, ['werift', 'dockerode', ...NEVER])).toEqual([]);
    const netmon = loadedBy(inWorker('workers/netmon/entry.js'));
    expect(netmon.packages.has('zod')).toBe(true);
    expect(heavy(netmon, ['dockerode', 'socket.io-client', 'werift', ...NEVER])).toEqual([]);
  });
});
