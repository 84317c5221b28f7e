// `vplc-orchestrator enroll` over a working identity: refused (the pair is kept) unless --force is given.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnroll, type EnrollIo } from '../../../../electron/cli/enroll.js';
import { readCredentials } from '../../../../electron/lib/certs/credentials.js';
import { storeCredentials } from '../../../../electron/lib/certs/store.js';
import { createPkiSet, tempDir, type Pem, type PkiSet } from '../../../support/pki.js';

let pki: PkiSet;
let other: Pem;
const tmp = tempDir('vplc-cli-enroll-');
let n = 0;

beforeAll(async () => {
  pki = await createPkiSet('07048933');
  other = await pki.ca.issueClient({ cn: '07048999' });
});
afterAll(() => tmp.dispose());

function capture(): EnrollIo & { lines: { out: string[]; err: string[] } } {
  const lines = { out: [] as string[], err: [] as string[] };
  return { lines, out: (l) => void lines.out.push(l), err: (l) => void lines.err.push(l) };
}

async function enrolled(): Promise<{ dir: string; keyFile: string; certFile: string }> {
  const dir = path.join(tmp.dir, `mtls-${++n}`);
  await storeCredentials(dir, pki.client.key, pki.client.cert);
  return { dir, keyFile: tmp.write(`o${n}.key`, other.key), certFile: tmp.write(`o${n}.crt`, other.cert) };
}

async function agentId(dir: string): Promise<string> {
  const r = await readCredentials(dir);
  return r.ok ? r.credentials.info.agentId : `not ok: ${r.reason}`;
}

describe('enroll --force', () => {
  it('refuses an import over a working identity and keeps it, naming --force', async () => {
    const { dir, keyFile, certFile } = await enrolled();
    const io = capture();
    expect(await runEnroll(['--mtls-dir', dir, '--import-key', keyFile, '--import-cert', certFile], io, {})).toBe(1);
    expect(io.lines.err.join('\n')).toMatch(/already has a working identity \(agent id 07048933[\s\S]*--force/);
    expect(await agentId(dir)).toBe('07048933');
  });

  it('replaces it with --force', async () => {
    const { dir, keyFile, certFile } = await enrolled();
    const io = capture();
    expect(await runEnroll(['--mtls-dir', dir, '--import-key', keyFile, '--import-cert', certFile, '--force'], io, {})).toBe(0);
    expect(await agentId(dir)).toBe('07048999');
  });

  it('refuses a new enrolment over a working identity before contacting the provisioning server', async () => {
    const { dir } = await enrolled();
    const io = capture();
    expect(await runEnroll(['--mtls-dir', dir, '--provision-url', 'https://127.0.0.1:9'], io, {})).toBe(1);
    expect(io.lines.err.join('\n')).toContain('--force');
    expect(io.lines.out).toEqual([]);
  });

  it('takes --force as a switch only', async () => {
    const io = capture();
    expect(await runEnroll(['--force=yes'], io, {})).toBe(2);
    expect(io.lines.err.join('\n')).toContain('--force takes no value');
  });
});
