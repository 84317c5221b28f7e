// settings:get's `writable` comes from trying to write, not from guessing (docs/security.md "Settings"). The same check
// as another user (a service that cannot write a root-owned directory) is in test/integration/agent/squat.int.test.ts.
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SettingsStore } from '../../../../../electron/core/settings/store.js';
import { probeWritable } from '../../../../../electron/core/settings/writable.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-writable-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
});
