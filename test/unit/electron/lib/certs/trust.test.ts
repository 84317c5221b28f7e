import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTrustSet } from '../../../../../electron/lib/certs/trust.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The same certificate as another tool writes it: base64 wrapped at 76 columns, CRLF line ends. */
const rewrapped = (pem: string): string => {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\r\n${(body.match(/.{1,76}/g) ?? []).join('\r\n')}\r\n-----END CERTIFICATE-----\r\n`;
};

describe('loadTrustSet', () => {
  it('holds each certificate once, however its PEM is wrapped, and keeps every distinct one', async () => {
    const [a, b] = rootCertificates as [string, string];
    const system = path.join(dir, 'system.crt');
    writeFileSync(system, rewrapped(a) + rewrapped(b));
    const extra = path.join(dir, 'extra.crt');
    writeFileSync(extra, `${a}\n`);
    const set = await loadTrustSet({ systemBundle: system, caFile: extra });
    expect(set).toHaveLength(rootCertificates.length);
    expect(set).toEqual([...rootCertificates]);
    const none = await loadTrustSet({ systemBundle: null });
    expect(none).toHaveLength(rootCertificates.length);
  });
});
