// needs: nothing outside this process but child Node processes it starts itself on the built dist/ (it fails, not skips, without it)
// The build replaces the packages dockerode requires for features the product never uses (Docker over SSH: ssh2;
// BuildKit sessions and output: @grpc/grpc-js, @grpc/proto-loader, protobufjs) by stubs (docs/decisions.md "Bundled
// entries"). Loading a stub must succeed (dockerode loads them at start) and any use must fail with a clear error
// instead of a TypeError deep inside docker-modem; none of the real packages may end up in any bundle.
// Needs `npm run build` (dist/). Runtime: about 3 s.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempDir } from '../../support/pki.js';

const root = path.resolve(import.meta.dirname, '../../..');
const tmp = tempDir('vplc-bundle-stubs-');

afterAll(() => tmp.dispose());

const Metafile = z.object({
  outputs: z.record(z.string(), z.object({ inputs: z.record(z.string(), z.unknown()), entryPoint: z.string().optional() })),
});

function metafile(): z.infer<typeof Metafile> {
  const f = path.join(root, 'dist/bundle-meta.json');
  if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`);
  return Metafile.parse(JSON.parse(readFileSync(f, 'utf8')));
}

/** Runs an ES module in a fresh node (cwd: the checkout); returns its stdout. */
function runModule(body: string): string {
  const file = tmp.write(`probe-${Math.random().toString(36).slice(2)}.mjs`, body);
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('packages left out of the build', () => {
  it('no bundle output holds ssh2, gRPC or protobufjs; the outputs hold their stubs instead', () => {
    const outputs = Object.entries(metafile().outputs);
    const real = outputs.flatMap(([, o]) => Object.keys(o.inputs)).filter((i) => /node_modules[\\/](ssh2|@grpc[\\/]|protobufjs)[\\/]/.test(i));
    expect(real).toEqual([]);
    const stubs = new Set(outputs.flatMap(([, o]) => Object.keys(o.inputs)).filter((i) => i.startsWith('vplc-stub:')));
    expect([...stubs].sort()).toEqual(['vplc-stub:@grpc/grpc-js', 'vplc-stub:@grpc/proto-loader', 'vplc-stub:protobufjs', 'vplc-stub:ssh2']);
  });

  it("dockerode from the agent's own bundle refuses Docker over SSH with a clear error", () => {
    // The chunk the CLI's lazy `import('dockerode')` loads: the agent's real dockerode, as bundled.
    const chunk = Object.entries(metafile().outputs).find(([, o]) => /dockerode[\\/]lib[\\/]docker\.js$/.test(o.entryPoint ?? ''));
    if (!chunk) throw new Error('no bundle output has dockerode as its entry: the lazy dockerode chunk is missing');
    const out = runModule(
      [
        `const { default: Docker } = await import(${JSON.stringify(pathToFileURL(path.join(root, chunk[0])).href)});`,
        "const docker = new Docker({ protocol: 'ssh', host: 'vplc-ssh.invalid', username: 'nobody' });",
        'try { await docker.ping(); console.log(\'NO ERROR\'); } catch (e) { console.log(JSON.stringify({ code: e.code, module: e.module, message: e.message })); }',
      ].join('\n'),
    );
    expect(JSON.parse(out)).toEqual({ code: 'VPLC_NOT_BUNDLED', module: 'ssh2', message: 'Docker over SSH is not supported by vPLC Orchestrator (ssh2 is left out of its build)' });
  });

  it('each stub loads, and throws its clear error when used', () => {
    // The build's own stub plugin on a probe that requires each left-out package the way dockerode does.
    const probe = tmp.write(
      'stub-probe.cjs',
      [
        "const loaded = { ssh2: require('ssh2').Client, '@grpc/grpc-js': require('@grpc/grpc-js').Server, '@grpc/proto-loader': require('@grpc/proto-loader').loadSync, protobufjs: require('protobufjs').loadSync };",
        "for (const [m, use] of Object.entries(loaded)) { try { new use(); console.log(m + ' NO ERROR'); } catch (e) { console.log(m + ' | ' + e.code + ' | ' + e.message); } }",
      ].join('\n'),
    );
    const outFile = path.join(tmp.dir, 'stub-probe.bundle.mjs');
    runModule(
      [
        `import esbuild from ${JSON.stringify(pathToFileURL(createRequire(path.join(root, 'package.json')).resolve('esbuild')).href)};`,
        `import { bundleOptions } from ${JSON.stringify(pathToFileURL(path.join(root, 'scripts/build-bundles.mjs')).href)};`,
        `const o = bundleOptions(${JSON.stringify(tmp.dir)});`,
        `await esbuild.build({ ...o, entryPoints: [${JSON.stringify(probe)}], outdir: undefined, outfile: ${JSON.stringify(outFile)}, splitting: false, sourcemap: false, metafile: false, nodePaths: [${JSON.stringify(path.join(root, 'node_modules'))}] });`,
      ].join('\n'),
    );
    const lines = runModule(`import ${JSON.stringify(pathToFileURL(outFile).href)};\n`).trim().split('\n');
    expect(lines).toEqual([
      'ssh2 | VPLC_NOT_BUNDLED | Docker over SSH is not supported by vPLC Orchestrator (ssh2 is left out of its build)',
      '@grpc/grpc-js | VPLC_NOT_BUNDLED | BuildKit sessions are not supported by vPLC Orchestrator (@grpc/grpc-js is left out of its build)',
      '@grpc/proto-loader | VPLC_NOT_BUNDLED | BuildKit sessions are not supported by vPLC Orchestrator (@grpc/proto-loader is left out of its build)',
      'protobufjs | VPLC_NOT_BUNDLED | BuildKit build output is not supported by vPLC Orchestrator (protobufjs is left out of its build)',
    ]);
  });
});
