import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { redactText } from '../../../../electron/core/support/redact-text.js';
import { tarGz } from '../../../../electron/lib/archive/tar.js';
import { fakePem } from '../../../support/fake-pem.js';

describe('support bundle text redaction', () => {
  it('removes PEM blocks, tokens in URLs and JSON, bearer tokens and secret-looking JSON values', () => {
    const text = [
      fakePem('EC PRIVATE KEY', 'abc'),
      'url http://127.0.0.1:48750/#token=deadbeef&x=1',
      '{"token":"t1","password":"p\\"w","name":"plc-1"}',
      'Authorization: Bearer eyJhbGciOi.x.y',
    ].join('\n');
    expect(redactText(text)).toBe(['[PEM block removed]', 'url http://127.0.0.1:48750/#token=[redacted]&x=1', '{"token":"[redacted]","password":"[redacted]","name":"plc-1"}', 'Authorization: Bearer [redacted]'].join('\n'));
  });
});

describe('tar writer', () => {
  it('writes ustar headers with a valid checksum, the data padded to 512 bytes, and two zero blocks at the end', () => {
    const raw = gunzipSync(tarGz([{ name: 'a/b.txt', data: 'hello' }], 1_700_000_000));
    expect(raw.length).toBe(512 + 512 + 1024);
    expect(raw.subarray(0, 7).toString()).toBe('a/b.txt');
    expect(raw.subarray(257, 262).toString()).toBe('ustar');
    expect(parseInt(raw.subarray(124, 135).toString(), 8)).toBe(5);
    const stored = parseInt(raw.subarray(148, 154).toString(), 8);
    const copy = Buffer.from(raw.subarray(0, 512));
    copy.fill(0x20, 148, 156);
    expect(copy.reduce((a, b) => a + b, 0)).toBe(stored);
    expect(raw.subarray(512, 517).toString()).toBe('hello');
    expect(() => tarGz([{ name: 'x'.repeat(101), data: '' }])).toThrow(/too long/);
  });
});
