// `enroll` prints the certificate's end of validity for a person (local time with its zone, and how far away),
// not the raw certificate or ISO form; the clock is fixed.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnroll } from '../../../../electron/cli/enroll.js';
import { readCredentials } from '../../../../electron/lib/certs/credentials.js';
import { createPkiSet, tempDir, type PkiSet } from '../../../support/pki.js';

let pki: PkiSet;
const tmp = tempDir('vplc-cli-enroll-dates-');
beforeAll(async () => {
  pki = await createPkiSet('07048977');
});
afterAll(() => tmp.dispose());

describe('enroll: dates', () => {
  it('shows "valid until" in local time with the distance from now', async () => {
    const dir = path.join(tmp.dir, 'mtls');
    const out: string[] = [];
    const now = new Date('2026-01-01T00:00:00Z');
    const code = await runEnroll(['--mtls-dir', dir, '--import-key', tmp.write('c.key', pki.client.key), '--import-cert', tmp.write('c.crt', pki.client.cert)], { out: (l) => void out.push(l), err: () => undefined }, {}, () => now);
    expect(code).toBe(0);
    const creds = await readCredentials(dir);
    if (!creds.ok) throw new Error(creds.reason);
    const line = out.find((l) => l.includes('valid until:'));
    expect(line).toMatch(/valid until: {10}\w{3}, \d{1,2} \w{3} \d{4}, \d{2}:\d{2} \S+ \(in \d+ (years?|months?|days?)\)$/);
    expect(line).not.toContain(creds.credentials.info.notAfter);
  });
});
