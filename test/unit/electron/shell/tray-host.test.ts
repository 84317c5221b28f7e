import { describe, expect, it } from 'vitest';
import { hasTrayHost } from '../../../../electron/shell/desktop/tray-host.js';

describe('hasTrayHost', () => {
  it('asks the session bus for a StatusNotifierWatcher', async () => {
    const asked: string[][] = [];
    const yes = await hasTrayHost((file, args) => {
      asked.push([file, ...args]);
      return Promise.resolve('method return time=1 sender=org.freedesktop.DBus\n   boolean true\n');
    });
    expect(yes).toBe(true);
    expect(asked[0]).toContain('string:org.kde.StatusNotifierWatcher');
    expect(asked[0]).toContain('--session');
  });

  it('says no when the watcher has no owner, D-Bus is missing or dbus-send fails', async () => {
    expect(await hasTrayHost(() => Promise.resolve('   boolean false\n'))).toBe(false);
    expect(await hasTrayHost(() => Promise.reject(Object.assign(new Error('spawn dbus-send ENOENT'), { code: 'ENOENT' })))).toBe(false);
  });
});
