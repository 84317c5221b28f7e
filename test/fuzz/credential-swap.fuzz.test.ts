// Crash safety of the credential swap: a child process imports two key + certificate pairs alternately, in a loop
// (importCredentials with replace, as `enroll --import-* --force` does), and is SIGKILLed at a random moment; after
// every kill the mTLS directory must hold a matching pair that is either the old or the new identity, both through
// the agent's reader and through the usual paths (docs/protocol.md §9). 200 kills; runtime about 40 s on an idle 2-core machine, up to 3 min on a loaded one.
import { spawn } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials } from '../../electron/lib/certs/credentials.js';
import { storeCredentials } from '../../electron/lib/certs/store.js';
import { createPkiSet, tempDir, type Pem } from '../support/pki.js';

const KILLS = 200;
const tmp = tempDir('vplc-swap-kill-');
const dir = path.join(tmp.dir, 'mtls');
const child = path.join(tmp.dir, 'importer.cjs');
let pairs: Pem[] = [];
let files: string[] = [];

beforeAll(async () => {
  const pki = await createPkiSet('07048933');
  pairs = [pki.client, await pki.ca.issueClient({ cn: '07048999' })];
  files = pairs.flatMap((p, i) => [tmp.write(`${i}.key`, p.key), tmp.write(`${i}.crt`, p.cert)]);
  const importer = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../electron/core/certs/import.ts');
  const entry = tmp.write(
    'importer.ts',
    `import { importCredentials } from ${JSON.stringify(importer)};
const [dir, k0, c0, k1, c1] = process.argv.slice(2) as [string, string, string, string, string];
async function main(): Promise<void> {
  process.stdout.write('ready\\n');
  // Loaded and waiting: the test starts the next child while the current one runs, and lets it go after the kill.
  await new Promise((resolve) => process.stdin.once('data', resolve));
  for (let i = 0; ; i++) {
    const [keyFile, certFile] = i % 2 === 0 ? [k1, c1] : [k0, c0];
    const started = performance.now();
    await importCredentials({ mtlsDir: dir, keyFile, certFile, replace: true });
    // After the first swap, the parent knows how long one takes and kills somewhere in the next ones.
    if (i === 0) process.stdout.write(\`\${Math.ceil(performance.now() - started)}\\n\`);
  }
}
void main();
`,
  );
  // One bundled file: a child starts in tens of milliseconds, so 200 kills stay affordable.
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: child, logLevel: 'error' });
  await storeCredentials(dir, pairs[0]?.key ?? '', pairs[0]?.cert ?? '');
}, 60_000);

afterAll(() => tmp.dispose());

type Child = { ready: Promise<void>; go(): Promise<number>; exited: Promise<void>; kill(): void };

/** A child that has loaded and waits; started while the previous one runs, so its start-up costs no time. */
function prepareChild(): Child {
  const p = spawn(process.execPath, [child, dir, ...files], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (d: string) => {
    lines.push(...d.split('\n').filter(Boolean));
    waiters.splice(0).forEach((w) => w());
  });
  const line = async (i: number): Promise<string> => {
    while (lines[i] === undefined) await new Promise<void>((r) => waiters.push(r));
    return lines[i] ?? '';
  };
  const ready = new Promise<void>((resolve, reject) => {
    void line(0).then(() => resolve());
    p.on('error', reject);
  });
  const exited = new Promise<void>((resolve) => p.on('exit', () => resolve()));
  return {
    ready,
    exited,
    go: async () => {
      p.stdin.write('go\n');
      return Number(await line(1));
    },
    kill: () => p.kill('SIGKILL'),
  };
}

/** Lets the child swap once, then kills it at a random point within the next two swaps. */
async function killWhileSwapping(c: Child): Promise<void> {
  await c.ready;
  const swapMs = await c.go();
  await new Promise((r) => setTimeout(r, Math.random() * 2 * Math.max(1, swapMs)));
  c.kill();
  await c.exited;
}

function matching(keyPem: string, certPem: string): boolean {
  return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
}

describe('credential swap under SIGKILL', () => {
  it(`always leaves a matching pair, the old or the new identity (${KILLS} kills)`, { timeout: 600_000 }, async () => {
    const known = new Set(pairs.map((p) => p.cert));
    let interrupted = 0;
    let changes = 0;
    let last = pairs[0]?.cert;
    let next = prepareChild();
    for (let i = 0; i < KILLS; i++) {
      const current = next;
      next = prepareChild();
      await killWhileSwapping(current);
      if (readdirSync(dir).some((n) => n.startsWith('.swap-'))) interrupted += 1;
      const r = await readCredentials(dir);
      if (!r.ok) throw new Error(`after kill ${i}: ${r.reason}`);
      expect(known.has(r.credentials.tls.cert)).toBe(true);
      // Tools that read the usual paths (docs/protocol.md §9) see the same matching pair.
      const viaPaths = { key: readFileSync(path.join(dir, 'client.key'), 'utf8'), cert: readFileSync(path.join(dir, 'client.crt'), 'utf8') };
      expect(matching(viaPaths.key, viaPaths.cert)).toBe(true);
      expect(viaPaths.cert).toBe(r.credentials.tls.cert);
      if (r.credentials.tls.cert !== last) changes += 1;
      last = r.credentials.tls.cert;
    }
    next.kill();
    await next.exited;
    // The kills did land inside swaps, and swaps did complete between them.
    expect(interrupted).toBeGreaterThan(0);
    expect(changes).toBeGreaterThan(0);
  });
});
