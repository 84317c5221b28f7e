import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestModule } from 'vitest/node';

type Floors = Record<string, number>;

/**
 * Fails the run when a project executed fewer tests than its floor in test/expected-counts.json, or when a test
 * file ran zero tests (balena's legacy suite silently stopped running for fifteen months). Applies to full runs only:
 * a run filtered to some files or projects checks the zero-test rule but not the floors.
 */
export default class CountFloorReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const floors = JSON.parse(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../expected-counts.json'), 'utf8')) as Floors;
    const counts: Record<string, number> = {};
    const empty: string[] = [];
    for (const m of modules) {
      const ran = [...m.children.allTests()].filter((t) => t.result().state === 'passed' || t.result().state === 'failed').length;
      counts[m.project.name] = (counts[m.project.name] ?? 0) + ran;
      if (ran === 0) empty.push(m.moduleId);
    }
    const problems = empty.map((f) => `${path.relative(process.cwd(), f)} ran no test`);
    const filtered = process.argv.slice(2).some((a) => !a.startsWith('-') && a !== 'run') || process.argv.includes('--project');
    if (!filtered) {
      for (const [project, floor] of Object.entries(floors)) {
        const ran = counts[project] ?? 0;
        if (ran < floor) problems.push(`project ${project} ran ${ran} tests, below its floor of ${floor} (test/expected-counts.json)`);
      }
    }
    const summary = Object.entries(counts)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
    process.stdout.write(`\ntests executed per project: ${summary}\n`);
    if (problems.length) {
      process.stdout.write(`COUNT FLOOR FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exitCode = 1;
    }
  }
}
