// Crash safety of atomic writes: a child process saves alternating values in a loop and is SIGKILLed at random
// moments; after every kill the file must still parse as one of the values. Runtime: about 5-10 s (12 kills).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-crash-'));
const file = path.join(dir, 'state.json');
const atomic = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../electron/lib/fs/atomic.ts');
const script = path.join(dir, 'writer.mts');
writeFileSync(
  script,
  `import { writeFileAtomic } from ${JSON.stringify(atomic)};
const big = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(200_000 + n) });
process.stdout.write('ready\\n');
for (let i = 0; ; i++) await writeFileAtomic(${JSON.stringify(file)}, big(i % 2));
`,
);
const valid = new Set([0, 1]);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function killWhileWriting(afterMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), afterMs));
    child.on('exit', () => resolve());
    child.on('error', reject);
  });
}

describe('writeFileAtomic under SIGKILL', () => {
  it('always leaves either the old or the new complete file', { timeout: 60_000 }, async () => {
    for (let i = 0; i < 12; i++) {
      await killWhileWriting(20 + Math.floor(Math.random() * 120));
      if (!existsSync(file)) continue;
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { n: number; pad: string };
      expect(valid.has(parsed.n)).toBe(true);
      expect(parsed.pad).toHaveLength(200_000 + parsed.n);
    }
    expect(existsSync(file)).toBe(true);
  });
});
