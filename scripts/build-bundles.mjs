#!/usr/bin/env node
// Step two of `npm run build:core` (after tsc): one esbuild bundle per runtime entry — the CLI/agent entry, the Electron
// shell's entry and each worker's entry — written over tsc's file at the same path, so every thread compiles only the
// code it reaches (docs/decisions.md "Bundled entries"). Dynamic imports stay lazy chunks in dist/electron/chunks/. The
// other tsc outputs stay in dist/ (tests import them); the bundles do not use them. The preload is its own CommonJS
// esbuild output (npm run build:preload).
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Output path (under dist/electron, without .js) → source. */
export const ENTRIES = {
  'cli/main': 'electron/cli/main.ts',
  // The Electron main process: the desktop app and the system service (`vplc-orchestrator agent`) start here.
  'shell/main': 'electron/shell/main.ts',
  'workers/netmon/entry': 'electron/workers/netmon/entry.ts',
  'workers/orchestrator/entry': 'electron/workers/orchestrator/entry.ts',
  'workers/cloudlink/entry': 'electron/workers/cloudlink/entry.ts',
};

/**
 * Packages dockerode and docker-modem require at load that the product never uses: Docker over SSH (ssh2) and BuildKit
 * sessions / build output (gRPC, protobufjs). Each is replaced by a module whose every export throws this message.
 */
export const STUBBED = {
  ssh2: 'Docker over SSH is not supported by vPLC Orchestrator (ssh2 is left out of its build)',
  '@grpc/grpc-js': 'BuildKit sessions are not supported by vPLC Orchestrator (@grpc/grpc-js is left out of its build)',
  '@grpc/proto-loader': 'BuildKit sessions are not supported by vPLC Orchestrator (@grpc/proto-loader is left out of its build)',
  protobufjs: 'BuildKit build output is not supported by vPLC Orchestrator (protobufjs is left out of its build)',
};

const escape = (s) => s.replace(/[/.@-]/g, (c) => `\\${c}`);

/**
 * Loading the stub succeeds (docker-modem reads `require('ssh2').Client` at load); any use throws. Property reads give
 * a function that throws when called or constructed; `__esModule` and `then` stay undefined so interop and `await` do
 * not mistake it for something else.
 */
function stubSource(pkg, message) {
  return `const message = ${JSON.stringify(message)};
const fail = function () { const e = new Error(message); e.code = 'VPLC_NOT_BUNDLED'; e.module = ${JSON.stringify(pkg)}; throw e; };
module.exports = new Proxy({}, { get: (_, key) => (typeof key === 'symbol' || key === '__esModule' || key === 'then' ? undefined : fail) });
`;
}

export const stubPlugin = {
  name: 'vplc-stub-unused',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(STUBBED).map(escape).join('|')})(/.*)?$`);
    b.onResolve({ filter }, (a) => ({ path: filter.exec(a.path)[1], namespace: 'vplc-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'vplc-stub' }, (a) => ({ contents: stubSource(a.path, STUBBED[a.path]), loader: 'js' }));
  },
};

// Bundled CommonJS dependencies call require() for Node built-ins and some use __dirname; an ES module has neither.
const BANNER = [
  "import { createRequire as __vplcCreateRequire } from 'node:module';",
  "import { fileURLToPath as __vplcFileURLToPath } from 'node:url';",
  "import { dirname as __vplcDirname } from 'node:path';",
  'const require = __vplcCreateRequire(import.meta.url);',
  'const __filename = __vplcFileURLToPath(import.meta.url);',
  'const __dirname = __vplcDirname(__filename);',
].join(' ');

/** The esbuild options, shared with the tests that check the bundles. */
export function bundleOptions(outdir = path.join(root, 'dist/electron')) {
  return {
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([out, src]) => [out, path.join(root, src)])),
    outdir,
    // Chunks sit one level under dist/electron like cli/ and core/, so import.meta.url-relative paths in code that
    // lands in a chunk (the workers' entries, renderer/dist, package.json) resolve as from the tsc output.
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    tsconfig: path.join(root, 'tsconfig.build.json'),
    // Whitespace and syntax only: names stay as written, so stack traces in logs read without source maps (the
    // packaged app ships none: electron-builder leaves out dist/**/*.map).
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    external: ['electron', '*.node'],
    plugins: [stubPlugin],
    banner: { js: BANNER },
    metafile: true,
    logLevel: 'warning',
  };
}

/**
 * Removes the files in `outdir`/chunks that `metafile` does not list. Chunk names carry a content hash, so without this
 * every build would leave the previous chunks behind (and ship them). Called only after a build succeeded: a failed
 * build leaves the previous one whole, so an agent running from the checkout still finds its lazy chunks.
 */
export function pruneChunks(outdir, metafile, cwd = root) {
  const dir = path.join(outdir, 'chunks');
  if (!existsSync(dir)) return [];
  const current = new Set(Object.keys(metafile.outputs).map((f) => path.resolve(cwd, f)));
  const stale = readdirSync(dir).map((f) => path.join(dir, f)).filter((f) => !current.has(f));
  for (const f of stale) rmSync(f, { recursive: true, force: true });
  return stale;
}

/** Builds the bundles, then prunes stale chunks; returns the metafile. Rejects, touching nothing, if esbuild fails. */
export async function buildBundles(options = bundleOptions()) {
  const result = await build(options);
  pruneChunks(options.outdir, result.metafile, options.absWorkingDir);
  return result.metafile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const metafile = await buildBundles();
  // Which sources and packages each output holds: the lazy-modules test reads it (not shipped, see electron-builder.yml).
  writeFileSync(path.join(root, 'dist/bundle-meta.json'), JSON.stringify(metafile));
}
