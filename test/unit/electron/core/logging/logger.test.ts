import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogHub, type LogLine } from '../../../../../electron/core/logging/log-hub.js';
import { createLogger, rotate, rotatedFiles } from '../../../../../electron/core/logging/logger.js';
import { redact } from '../../../../../electron/core/logging/redact.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-log-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('createLogger', () => {
  it('writes redacted JSON lines to a 0600 file and feeds the hub', () => {
    const file = path.join(tmp(), 'logs', 'agent.log');
    const hub = new LogHub();
    const log = createLogger({ file, level: 'info', hub, console: false });
    log.scope('orchestrator').info('vPLC started', { vplc: 'plc1', token: 'abc', nested: { password: 'x', ok: 1 } });
    log.debug('not written at info level');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', scope: 'orchestrator', msg: 'vPLC started', data: { vplc: 'plc1', token: '[redacted]', nested: { password: '[redacted]', ok: 1 } } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(hub.tail().map((l) => l.msg)).toEqual(['logging started', 'vPLC started', 'not written at info level']);
  });
});

describe('rotate', () => {
  it('keeps N generations and drops the oldest', () => {
    const dir = tmp();
    const file = path.join(dir, 'agent.log');
    for (let i = 1; i <= 4; i++) {
      writeFileSync(file, `gen ${i}`);
      rotate(file, 2);
    }
    expect(rotatedFiles(file)).toEqual(['agent.1.log', 'agent.2.log']);
    expect(readFileSync(path.join(dir, 'agent.1.log'), 'utf8')).toBe('gen 4');
    expect(readFileSync(path.join(dir, 'agent.2.log'), 'utf8')).toBe('gen 3');
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
});

describe('LogHub', () => {
  it('bounds its buffer, filters by level and batches pushes in order', () => {
    const hub = new LogHub(3, 1_000);
    const got: LogLine[][] = [];
    hub.subscribe((b) => got.push(b));
    hub.subscribe(() => {
      throw new Error('broken subscriber');
    });
    for (const [i, level] of (['debug', 'info', 'warn', 'error'] as const).entries()) hub.push({ ts: String(i), level, scope: 's', msg: `m${i}` });
    expect(hub.tail().map((l) => l.msg)).toEqual(['m1', 'm2', 'm3']);
    expect(hub.tail(10, 'warn').map((l) => l.msg)).toEqual(['m2', 'm3']);
    hub.flush();
    expect(got.map((b) => b.map((l) => l.msg))).toEqual([['m0', 'm1', 'm2', 'm3']]);
  });
});
