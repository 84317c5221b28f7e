import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error the build script is plain JavaScript without declarations
import { bundleOptions, buildBundles } from '../../../scripts/build-bundles.mjs';

type Metafile = { outputs: Record<string, unknown> };
type Options = { outdir: string; absWorkingDir: string; entryPoints: Record<string, string> };
const build = buildBundles as (o: Options) => Promise<Metafile>;
const options = bundleOptions as (outdir: string) => Options;

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-build-bundles-'));
const out = path.join(dir, 'out');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const src = (name: string, text: string): string => {
  const f = path.join(dir, 'src', name);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text);
  return f;
};

/** Two entries sharing a module, one with a lazy import: the build writes shared and lazy chunks. */
function tinyOptions(version: string): Options {
  src('shared.ts', `export const version = ${JSON.stringify(version)};\n`);
  src('lazy.ts', `export const lazy = (): string => 'lazy ${version}';\n`);
  const a = src('a.ts', "import { version } from './shared.js';\nexport const a = async (): Promise<string> => version + (await import('./lazy.js')).lazy();\n");
  const b = src('b.ts', "import { version } from './shared.js';\nexport const b = (): string => version;\n");
  return { ...options(out), entryPoints: { a, b } };
}

const chunks = (): string[] => readdirSync(path.join(out, 'chunks')).sort();
const chunkOutputs = (m: Metafile): string[] =>
  Object.keys(m.outputs)
    .map((f) => path.resolve(options(out).absWorkingDir, f))
    .filter((f) => path.dirname(f) === path.join(out, 'chunks'))
    .map((f) => path.basename(f))
    .sort();

describe('scripts/build-bundles.mjs', () => {
  it('keeps only the current build’s chunks, and a failed build leaves the previous one whole', async () => {
    const first = await build(tinyOptions('one'));
    const firstChunks = chunks();
    expect(firstChunks.filter((f) => f.endsWith('.js')).length).toBeGreaterThanOrEqual(2);
    for (const f of Object.keys(first.outputs)) expect(existsSync(path.resolve(options(out).absWorkingDir, f)), f).toBe(true);

    // A changed lazy module gets a new chunk name: the old chunk goes (as does any other file there), the new ones stay.
    writeFileSync(path.join(out, 'chunks', 'left-over-ABCDEFGH.js'), '');
    const second = await build(tinyOptions('two'));
    const secondChunks = chunks();
    expect(secondChunks).toEqual(chunkOutputs(second));
    expect(firstChunks.filter((f) => !secondChunks.includes(f))).toEqual([expect.stringMatching(/^lazy-.*\.js$/), expect.stringMatching(/^lazy-.*\.js\.map$/)]);

    // A build that fails (an import that resolves nowhere) rejects and removes nothing.
    const broken = tinyOptions('three');
    src('b.ts', "import { nothing } from './missing.js';\nexport const b = nothing;\n");
    await expect(build(broken)).rejects.toThrow(/missing/);
    expect(chunks()).toEqual(secondChunks);
  });
});
