// settings:get's `writable` comes from trying to write, not from guessing (docs/security.md "Settings").
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SettingsStore } from '../../../../../electron/core/settings/store.js';
import { probeWritable } from '../../../../../electron/core/settings/writable.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-writable-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const repo = fileURLToPath(new URL('../../../../../', import.meta.url));

describe('probeWritable', () => {
  it('says yes for a writable directory and leaves nothing behind', async () => {
    expect(await probeWritable(path.join(dir, 'settings.json'))).toEqual({ writable: true });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('probes the nearest existing directory for a file whose directories do not exist yet, creating none', async () => {
    expect(await probeWritable(path.join(dir, 'a', 'b', 'settings.json'))).toEqual({ writable: true });
    expect(existsSync(path.join(dir, 'a'))).toBe(false);
  });

  it('says no, and why, where nobody may create files (even root)', async () => {
    const r = await probeWritable('/proc/self/vplc/settings.json');
    expect(r.writable).toBe(false);
    expect(r).toMatchObject({ reason: expect.stringContaining('/proc/self is not writable by this agent') });
    const loaded = await new SettingsStore('/proc/self/vplc/settings.json').load();
    expect(loaded.writable).toBe(false);
    expect(loaded.readOnlyReason).toContain('cannot be saved');
    expect(loaded.warnings.join('\n')).toContain('settings are read-only here');
  });

  it.runIf(process.getuid?.() === 0)('says no for another user whose settings directory belongs to root (a service reading /etc)', () => {
    const code = `const { SettingsStore } = await import(${JSON.stringify(new URL('electron/core/settings/store.ts', `file://${repo}`).href)}); const l = await new SettingsStore(${JSON.stringify(path.join(dir, 'settings.json'))}).load(); console.log(JSON.stringify({ writable: l.writable, reason: l.readOnlyReason }));`;
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', code], { cwd: repo, encoding: 'utf8', env: { ...process.env, HOME: dir } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { writable: boolean; reason?: string };
    expect(out.writable).toBe(false);
    expect(out.reason).toContain('(EACCES)');
    // Root may write the same directory: the answer depends on who asks, which is why it is tested, not guessed.
  });
});
