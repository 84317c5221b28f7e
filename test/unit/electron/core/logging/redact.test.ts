import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogHub } from '../../../../../electron/core/logging/log-hub.js';
import { createLogger } from '../../../../../electron/core/logging/logger.js';
import { redact, redactString } from '../../../../../electron/core/logging/redact.js';

describe('redactString', () => {
  it.each([
    ['fetch https://admin:s3cret@registry.example/v2/ failed', 'fetch https://[redacted]@registry.example/v2/ failed'],
    ['git remote http://x-access-token:ghp_abc@github.com/a/b.git', 'git remote http://[redacted]@github.com/a/b.git'],
    ['https://user:p@ss@host/x', 'https://[redacted]@host/x'],
    ['token only: https://TOKEN123@example.com', 'token only: https://[redacted]@example.com'],
    ['sent header Bearer eyJhbGciOi.abc-def_1 to the cloud', 'sent header Bearer [redacted] to the cloud'],
    ['lowercase bearer abc.def', 'lowercase bearer [redacted]'],
    ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic [redacted]'],
    ['authorization=abcdef; next', 'authorization=[redacted]; next'],
    ['open http://127.0.0.1:48750/#token=deadbeef&x=1', 'open http://127.0.0.1:48750/#token=[redacted]&x=1'],
    ['POST /login?user=a&password=hunter2&access_token=zz', 'POST /login?user=a&password=[redacted]&access_token=[redacted]'],
  ])('%s', (input, output) => {
    expect(redactString(input)).toBe(output);
    // Idempotent: a second pass changes nothing.
    expect(redactString(output)).toBe(output);
  });

  it('leaves ordinary text, plain URLs and e-mail-like text alone', () => {
    for (const s of ['vPLC plc-1 started on eth0', 'http://127.0.0.1:48750/api', 'mail ops@example.com', 'the token file is /run/vplc/token', 'keyword=value']) expect(redactString(s)).toBe(s);
  });
});

describe('redact', () => {
  it('hides secrets at any depth and keeps everything else', () => {
    expect(redact({ headers: { Authorization: 'Bearer x', accept: 'json' }, env: { A: 1 }, list: [{ privateKey: 'k' }], n: 1 })).toEqual({
      headers: { Authorization: '[redacted]', accept: 'json' },
      env: '[redacted]',
      list: [{ privateKey: '[redacted]' }],
      n: 1,
    });
  });

  it('reaches secrets nested deeper than the old limit of 6, inside arrays, maps and sets, and in string values', () => {
    let deep: Record<string, unknown> = { password: 'deep-secret', url: 'https://u:deep-pass@h/' };
    for (let i = 0; i < 20; i++) deep = { level: i, items: [deep] };
    const text = JSON.stringify(redact({ deep, map: new Map<unknown, unknown>([['token', 't'], [1, { note: 'Bearer abc' }]]), set: new Set([{ secret: 's' }]) }));
    expect(text).not.toMatch(/deep-secret|deep-pass|"t"|abc|"s"/);
    expect(text).toContain('"password":"[redacted]"');
    expect(text).toContain('https://[redacted]@h/');
    expect(text).toContain('"token":"[redacted]"');
    expect(text).toContain('Bearer [redacted]');
  });

  it('survives cycles, shared references, absurd depth, binary data, bigints and throwing getters', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const shared = { ok: 1 };
    let tower: unknown = { secret: 'x' };
    for (let i = 0; i < 100_000; i++) tower = [tower];
    const hostile = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
    const out = redact({ a, pair: [shared, shared], tower, bytes: Buffer.from('secret bytes'), big: 10n, hostile, when: new Date(0), err: new Error('Bearer abc') }) as Record<string, unknown>;
    expect(out.a).toEqual({ name: 'a', self: '[circular]' });
    expect(out.pair).toEqual([{ ok: 1 }, { ok: 1 }]);
    expect(JSON.stringify(out.tower)).toContain('[nested too deep]');
    expect(JSON.stringify(out.tower)).not.toContain('"x"');
    expect(out.bytes).toBe('[12 bytes]');
    expect(out.big).toBe('10');
    expect(out.hostile).toBe('[unreadable]');
    expect(out.when).toBe('1970-01-01T00:00:00.000Z');
    expect(out.err).toEqual({ name: 'Error', message: 'Bearer [redacted]' });
  });
});

describe('the logger redacts messages as well as data', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes neither URL credentials nor bearer tokens from a message string, nor deep secrets from data', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vplc-redact-'));
    const file = path.join(dir, 'agent.log');
    const hub = new LogHub();
    const log = createLogger({ file, level: 'info', hub, console: false });
    let nested: Record<string, unknown> = { cookie: 'c00kie' };
    for (let i = 0; i < 10; i++) nested = { inner: nested };
    log.info('pull from https://bob:hunter2@registry.example failed with Bearer tok.en', { nested });
    const written = readFileSync(file, 'utf8');
    expect(written).not.toMatch(/hunter2|tok\.en|c00kie/);
    expect(written).toContain('https://[redacted]@registry.example');
    expect(JSON.stringify(hub.tail())).not.toMatch(/hunter2|tok\.en|c00kie/);
  });
});
