import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function files(dir: string, exts = ['.ts', '.tsx', '.mjs', '.js']): string[] {
  const abs = path.join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const rel = path.join(dir, e);
    if (e === 'node_modules' || e === 'dist' || e.startsWith('.')) return [];
    return statSync(path.join(root, rel)).isDirectory() ? files(rel, exts) : exts.some((x) => e.endsWith(x)) ? [rel] : [];
  });
}

/** Every module specifier a file imports, resolved to a repo-relative path when relative. */
function imports(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  return specs.map((s) => (s.startsWith('.') ? `@/${path.join(path.dirname(file), s)}` : s));
}

const violations = (sources: string[], forbidden: (spec: string, file: string) => boolean): string[] =>
  sources.flatMap((f) => imports(f).filter((s) => forbidden(s, f)).map((s) => `${f} imports ${s}`));

const under = (spec: string, dir: string): boolean => spec === dir || spec.startsWith(`${dir}/`);
/** A repo-relative import (resolved from a relative specifier) under `dir`. */
const inRepo = (spec: string, dir: string): boolean => under(spec, `@/${dir}`);
const workerOf = (p: string): string | undefined => /^(?:@\/)?electron\/workers\/([^/]+)\//.exec(p)?.[1];

describe('import rules (docs/architecture.md §B)', () => {
  const electronFiles = files('electron');
  const nonShell = electronFiles.filter((f) => !under(f, 'electron/shell') && !under(f, 'electron/preload'));

  it('keeps electron out of everything but the shell and the preload', () => {
    expect(violations(nonShell, (s) => s === 'electron' || s.startsWith('electron/'))).toEqual([]);
  });

  it('lets shared/ depend only on zod and shared/', () => {
    expect(violations(files('shared'), (s) => !(s === 'zod' || inRepo(s, 'shared')))).toEqual([]);
  });

  it('keeps electron/lib free of core, workers and shell', () => {
    expect(violations(files('electron/lib'), (s) => ['electron/core', 'electron/workers', 'electron/shell'].some((d) => inRepo(s, d)))).toEqual([]);
  });

  it('keeps each worker free of core, shell and other workers', () => {
    const workerFiles = electronFiles.filter((f) => workerOf(f));
    expect(
      violations(workerFiles, (s, f) => inRepo(s, 'electron/core') || inRepo(s, 'electron/shell') || (inRepo(s, 'electron/workers') && workerOf(`${s}/`) !== workerOf(f))),
    ).toEqual([]);
  });

  it('keeps the renderer off electron/ and node built-ins', () => {
    expect(violations(files('renderer/src'), (s) => s === 'electron' || inRepo(s, 'electron') || s.startsWith('node:'))).toEqual([]);
  });

  it('never lets production code import test/', () => {
    expect(violations([...electronFiles, ...files('shared'), ...files('renderer/src')], (s) => inRepo(s, 'test'))).toEqual([]);
  });
});

describe('tests that cannot silently stop running (docs/architecture.md §E)', () => {
  const testFiles = [...files('test/unit'), ...files('test/integration'), ...files('test/fuzz'), ...files('test/e2e')];

  it('has no environment-conditional skipIf/runIf', () => {
    const hits = testFiles.filter((f) => /\.(skipIf|runIf)\s*\(/.test(readFileSync(path.join(root, f), 'utf8')));
    expect(hits).toEqual([]);
  });

  it('gives every .skip and .todo a skip-reason comment', () => {
    const hits = testFiles.flatMap((f) =>
      readFileSync(path.join(root, f), 'utf8')
        .split('\n')
        .map((line, i, all) => ({ line, prev: all[i - 1] ?? '', at: `${f}:${i + 1}` }))
        .filter(({ line, prev }) => /\b(it|test|describe)\.(skip|todo)\b/.test(line) && !/skip-reason:/.test(line + prev))
        .map(({ at }) => at),
    );
    expect(hits).toEqual([]);
  });

  it('makes integration suites fail, not skip, when a dependency is missing', () => {
    const integration = files('test/integration').filter((f) => f.endsWith('.int.test.ts'));
    // A suite that needs nothing outside its own process says so in a header line instead.
    const unguarded = integration.filter((f) => !/require(Docker|Root|Chromium)\(\)|^\/\/ needs: nothing outside this process\b/m.test(readFileSync(path.join(root, f), 'utf8')));
    expect(unguarded).toEqual([]);
  });
});
