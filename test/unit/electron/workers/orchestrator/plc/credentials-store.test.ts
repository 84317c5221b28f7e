/** The runtime credentials file: 0600, atomic, zod-parsed, corrupt → quarantined and reported, never logged. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CREDENTIALS_FILE, CredentialsStore } from '../../../../../../electron/workers/orchestrator/plc/credentials-store.js';
import type { StoreProblem } from '../../../../../../electron/workers/orchestrator/store/state-store.js';

const PASSWORD = 'pw-Never-Logged-42';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-creds-'));
  dirs.push(dir);
  const lines: string[] = [];
  const problems: StoreProblem[] = [];
  const rec = (level: string) => (msg: string, data?: Record<string, unknown>) => void lines.push(`${level} ${msg} ${JSON.stringify(data ?? {})}`);
  const log = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
  const open = (): CredentialsStore => CredentialsStore.open(dir, { log, report: (p) => problems.push(p), nowIso: () => '2026-12-05T00:00:00.000Z' });
  return { dir, file: path.join(dir, CREDENTIALS_FILE), lines, problems, open };
}

describe('CredentialsStore', () => {
  it('writes the agreed shape, mode 0600, and reads it back', async () => {
    const t = setup();
    const s = t.open();
    expect(s.has('v1')).toBe(false);
    await s.put('v1', { username: 'admin', password: PASSWORD });
    expect(statSync(t.file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(t.file, 'utf8'))).toEqual({ version: 1, vplcs: { v1: { username: 'admin', password: PASSWORD, saved_at: '2026-12-05T00:00:00.000Z' } } });
    const again = t.open();
    expect(again.get('v1')).toEqual({ username: 'admin', password: PASSWORD });
    expect(again.username('v1')).toBe('admin');
    expect(readdirSync(t.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('removes one vPLC and keeps the others', async () => {
    const t = setup();
    const s = t.open();
    await s.put('v1', { username: 'a', password: PASSWORD });
    await s.put('v2', { username: 'b', password: 'other' });
    expect(await s.remove('v1')).toBe(true);
    expect(await s.remove('v1')).toBe(false);
    expect(t.open().names()).toEqual(['v2']);
  });

  it('a file others can read is tightened to 0600 and reported', async () => {
    const t = setup();
    await t.open().put('v1', { username: 'admin', password: PASSWORD });
    chmodSync(t.file, 0o644);
    const s = t.open();
    expect(statSync(t.file).mode & 0o777).toBe(0o600);
    expect(s.has('v1')).toBe(true);
    expect(t.lines.some((l) => l.startsWith('warn') && l.includes('0600') && l.includes('0644'))).toBe(true);
  });

  it.each([
    ['not JSON', '{"version": 1, "vplcs": {"v1": {"username": "admin", "password": "' + PASSWORD + '"'],
    ['a wrong shape', JSON.stringify({ version: 1, vplcs: { v1: { username: 'admin', password: 7, saved_at: PASSWORD } } })],
  ])('a corrupt file (%s) is moved aside and reported, without its content', (_what, content) => {
    const t = setup();
    writeFileSync(t.file, content, { mode: 0o600 });
    const s = t.open();
    expect(s.names()).toEqual([]);
    expect(existsSync(t.file)).toBe(false);
    expect(t.problems).toHaveLength(1);
    const p = t.problems[0]!;
    expect(readFileSync(p.movedTo, 'utf8')).toBe(content);
    expect(p.movedTo.startsWith(`${t.file}.corrupt-`)).toBe(true);
    expect(t.lines.some((l) => l.startsWith('error'))).toBe(true);
    expect(JSON.stringify(t.problems) + t.lines.join('\n')).not.toContain(PASSWORD);
  });

  it('a failed write leaves both the file and memory as they were', async () => {
    const t = setup();
    const s = t.open();
    await s.put('v1', { username: 'admin', password: PASSWORD });
    // The rename cannot replace a directory: the write fails after its temp file was made.
    const blocked = mkdtempSync(path.join(tmpdir(), 'vplc-creds-ro-'));
    dirs.push(blocked);
    const s2 = CredentialsStore.open(blocked, { log: { debug() {}, info() {}, warn() {}, error() {} }, report: () => undefined });
    mkdirSync(path.join(blocked, CREDENTIALS_FILE));
    await expect(s2.put('v9', { username: 'x', password: PASSWORD })).rejects.toThrow();
    expect(s2.has('v9')).toBe(false);
    expect(readdirSync(blocked)).toEqual([CREDENTIALS_FILE]);
    // A later write still goes through the queue.
    await s.put('v2', { username: 'b', password: 'p' });
    expect(t.open().names().sort()).toEqual(['v1', 'v2']);
  });

  it('never logs a password', async () => {
    const t = setup();
    const s = t.open();
    await s.put('v1', { username: 'admin', password: PASSWORD });
    chmodSync(t.file, 0o666);
    t.open();
    await s.remove('v1');
    expect(t.lines.length).toBeGreaterThan(0);
    expect(t.lines.join('\n')).not.toContain(PASSWORD);
  });
});
