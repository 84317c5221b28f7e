// needs: Docker; the built dist/ (it fails, not skips, without it); the cloud simulator on loopback
// What the built agent runs (docs/decisions.md "Bundled entries"), started by node from bin/ exactly as P3 starts it
// (the service and the desktop app run the same bundles from the shell's entry in the Electron binary, which does not
// exist here; shell-bundle.int.test.ts loads that entry with a stand-in for electron), once per `--workers` mode. With
// the cloud link up, each thread (four with worker threads, one with in-process services) lists the scripts its
// isolate compiled (a --require preload that every worker thread inherits; on a trigger file it asks the thread's own
// inspector). Every app script a thread runs must be a bundle output, each
// worker must run its own bundled entry, and at idle no thread may hold the packages it does not use yet (the build's
// metafile says which packages each bundle file holds). Creates no Docker objects.
// Needs `npm run build` (dist/). Runtime: about 20 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storeCredentials } from '../../../electron/lib/certs/store.js';
import { CloudSim } from '../../cloud-sim/sim.js';
import { createPkiSet, tempDir } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { internalPoolFor, newRunId, waitFor, workerSlot } from '../../support/run.js';

requireDocker();

const root = path.resolve(import.meta.dirname, '../../..');
const tmp = tempDir('vplc-built-threads-');

const PROBE = `const { threadId, isMainThread } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const dir = process.env.VPLC_PROBE_DIR;
const watcher = fs.watch(dir, (_, name) => {
  if (name !== 'go') return;
  watcher.close();
  const inspector = require('node:inspector');
  const s = new inspector.Session();
  s.connect();
  const urls = [];
  s.on('Debugger.scriptParsed', (m) => urls.push(m.params.url));
  s.post('Debugger.enable');
  s.post('Debugger.disable');
  s.disconnect();
  fs.writeFileSync(path.join(dir, 'thread-' + threadId + '.json'), JSON.stringify({ isMainThread, urls }));
});
watcher.unref();
`;

const Metafile = z.object({ outputs: z.record(z.string(), z.object({ inputs: z.record(z.string(), z.unknown()) })) });
const ThreadReport = z.object({ isMainThread: z.boolean(), urls: z.array(z.string()) });

const packageOf = (file: string): string | null => {
  const stub = /^vplc-stub:(.+)$/.exec(file);
  if (stub) return `stub:${stub[1]}`;
  const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
  return m ? (m[1] as string).replace(/\\/g, '/') : null;
};

type Thread = { name: string; appFiles: string[]; packages: Set<string> };
type Built = { threads: Thread[]; uiIndex: { status: number; body: string } };
const bundle = { files: new Set<string>(), contents: new Map<string, Set<string>>() };
const agents: ChildProcess[] = [];

/** Starts the built agent with `--workers <mode>`, linked to the simulator, and gathers each thread's scripts. */
async function startBuilt(mode: 'threads' | 'in-process', threadCount: number): Promise<Built> {
  const dir = path.join(tmp.dir, mode);
  const probeDir = path.join(dir, 'probe');
  mkdirSync(probeDir, { recursive: true });
  const pki = await createPkiSet('07048933');
  const sims = await CloudSim.start({ ca: pki.ca, server: pki.server });
  closers.push(() => sims.close());
  const mtlsDir = path.join(dir, 'mtls');
  await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, pki.ca.cert);
  const args = ['--require', probe, 'bin/vplc-orchestrator.js', 'agent', '--workers', mode, '--cloud-url', sims.url, '--mtls-dir', mtlsDir, '--ca-file', caFile];
  args.push('--ui-port', '0', '--metrics-port', '0', '--data-dir', path.join(dir, 'data'), '--lock-name', `vt-${newRunId()}-${mode}-lock`);
  args.push('--internal-pool', internalPoolFor(workerSlot()), '--runtime-image', 'vplc-test/openplc-runtime', '--log-level', 'warn');
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VPLC_PROBE_DIR: probeDir, VPLC_TOKEN_FILE: path.join(dir, 'token'), XDG_CONFIG_HOME: path.join(dir, 'config') },
  });
  agents.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out, (o) => o.includes('{"event":"ready"') || child.exitCode !== null, { timeoutMs: 30_000, what: 'the agent ready line' });
  expect(child.exitCode, out).toBe(null);
  await sims.waitForConnection(30_000);
  const ready = z.object({ port: z.number() }).parse(JSON.parse(out.split('\n').find((l) => l.startsWith('{"event":"ready"')) ?? '{}'));
  const uiIndex = await fetch(`http://127.0.0.1:${ready.port}/`).then(async (r) => ({ status: r.status, body: await r.text() }));

  writeFileSync(path.join(probeDir, 'go'), '');
  const reports = await waitFor(
    () => readdirSync(probeDir).filter((f) => f.startsWith('thread-') && f.endsWith('.json')),
    (l) => l.length >= threadCount,
    { timeoutMs: 15_000, what: `a script list from each of the ${threadCount} threads` },
  );
  // A thread that is not there now may still report late: give it a moment, so an extra thread is seen.
  await new Promise((r) => setTimeout(r, 500));
  const threads = readdirSync(probeDir)
    .filter((f) => f.startsWith('thread-') && f.endsWith('.json'))
    .map((f) => {
      const r = ThreadReport.parse(JSON.parse(readFileSync(path.join(probeDir, f), 'utf8')));
      const files = r.urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
      const appFiles = files.filter((f) => f.startsWith(path.join(root, 'dist')));
      const packages = new Set<string>();
      for (const file of files) {
        const direct = packageOf(file);
        if (direct) packages.add(direct);
        for (const p of bundle.contents.get(file) ?? []) packages.add(p);
      }
      const worker = appFiles.map((a) => /dist[\\/]electron[\\/]workers[\\/]([a-z]+)[\\/]entry\.js$/.exec(a)?.[1]).find((w) => w !== undefined);
      return { name: r.isMainThread ? 'main' : (worker ?? `unknown thread ${f}`), appFiles, packages };
    });
  expect(reports.length).toBeGreaterThanOrEqual(threadCount);
  return { threads, uiIndex };
}

const closers: Array<() => Promise<void>> = [];
let probe = '';

beforeAll(async () => {
  for (const f of ['bin/vplc-orchestrator.js', 'dist/electron/cli/main.js', 'dist/bundle-meta.json']) {
    if (!existsSync(path.join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  const meta = Metafile.parse(JSON.parse(readFileSync(path.join(root, 'dist/bundle-meta.json'), 'utf8')));
  bundle.contents = new Map(Object.entries(meta.outputs).map(([f, o]) => [path.resolve(root, f), new Set(Object.keys(o.inputs).map(packageOf).filter((p): p is string => p !== null))]));
  bundle.files = new Set(bundle.contents.keys());
  probe = tmp.write('probe.cjs', PROBE);
});

afterAll(async () => {
  for (const agent of agents) {
    if (agent.exitCode !== null || agent.signalCode !== null) continue;
    const exited = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
  }
  for (const close of closers) await close();
  tmp.dispose();
});

const NEVER = ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'];
const held = (t: Thread, names: readonly string[]): string[] => [...t.packages].filter((p) => names.includes(p));
const named = (b: Built, name: string): Thread => {
  const t = b.threads.find((x) => x.name === name);
  if (!t) throw new Error(`no ${name} thread among ${b.threads.map((x) => x.name).join(', ')}`);
  return t;
};

describe('the built agent with its workers in threads (idle, cloud link up)', () => {
  let built: Built;
  beforeAll(async () => void (built = await startBuilt('threads', 4)), 90_000);

  it('has the main thread and one thread per worker, each running only bundle outputs', () => {
    expect(built.threads.map((t) => t.name).sort()).toEqual(['cloudlink', 'main', 'netmon', 'orchestrator']);
    for (const t of built.threads) expect(t.appFiles.filter((f) => !bundle.files.has(f)), t.name).toEqual([]);
    expect(named(built, 'main').appFiles).toContain(path.join(root, 'dist/electron/cli/main.js'));
  });

  it('finds renderer/dist from its bundle and serves the UI (an import.meta.url-relative path)', () => {
    if (!existsSync(path.join(root, 'renderer/dist/index.html'))) throw new Error('renderer/dist is missing: run `npm run build` first');
    expect(built.uiIndex.status).toBe(200);
    expect(built.uiIndex.body.toLowerCase()).toContain('<!doctype html>');
  });

  it('keeps each package out of the threads that do not use it yet', () => {
    expect(held(named(built, 'main'), ['dockerode', 'socket.io-client', 'werift', '@peculiar/x509', ...NEVER])).toEqual([]);
    expect(named(built, 'orchestrator').packages.has('dockerode')).toBe(true);
    expect(named(built, 'orchestrator').packages.has('stub:ssh2')).toBe(true);
    expect(held(named(built, 'orchestrator'), ['socket.io-client', 'werift', ...NEVER])).toEqual([]);
    expect(named(built, 'cloudlink').packages.has('socket.io-client')).toBe(true);
    expect(held(named(built, 'cloudlink'), ['werift', 'dockerode', ...NEVER])).toEqual([]);
    expect(held(named(built, 'netmon'), ['dockerode', 'socket.io-client', 'werift', ...NEVER])).toEqual([]);
  });
});

describe('the built agent with its workers in-process (the default; idle, cloud link up)', () => {
  let built: Built;
  beforeAll(async () => void (built = await startBuilt('in-process', 1)), 90_000);

  it('runs one thread, with only bundle outputs and no worker entry', () => {
    expect(built.threads.map((t) => t.name)).toEqual(['main']);
    const main = named(built, 'main');
    expect(main.appFiles.filter((f) => !bundle.files.has(f))).toEqual([]);
    expect(main.appFiles).toContain(path.join(root, 'dist/electron/cli/main.js'));
    expect(main.appFiles.filter((f) => /workers[\\/][a-z]+[\\/]entry\.js$/.test(f))).toEqual([]);
    expect(built.uiIndex.status).toBe(200);
  });

  it('holds what its services use, and still not the packages nothing uses yet', () => {
    const main = named(built, 'main');
    expect(main.packages.has('dockerode')).toBe(true);
    expect(main.packages.has('socket.io-client')).toBe(true);
    // Enrolment's certificate library loads only when someone enrols or imports a certificate.
    expect(held(main, ['werift', '@peculiar/x509', ...NEVER])).toEqual([]);
  });
});
