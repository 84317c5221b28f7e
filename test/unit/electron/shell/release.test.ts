import { describe, expect, it } from 'vitest';
import { hardenRelease } from '../../../../electron/shell/security/release.js';
import { windowOptions } from '../../../../electron/shell/window/options.js';

const menuSpy = (): { calls: unknown[]; setApplicationMenu(m: null): void } => {
  const calls: unknown[] = [];
  return { calls, setApplicationMenu: (m) => void calls.push(m) };
};

describe('release hardening', () => {
  it('removes the default application menu and DevTools from a packaged build', () => {
    const menu = menuSpy();
    const release = hardenRelease({ isPackaged: true }, menu);
    expect(menu.calls).toEqual([null]);
    expect(release).toEqual({ devTools: false });
    expect(windowOptions('/p.cjs', '/i.png', release).webPreferences).toMatchObject({ devTools: false });
  });

  it('keeps both in a development build', () => {
    const menu = menuSpy();
    const release = hardenRelease({ isPackaged: false }, menu);
    expect(menu.calls).toEqual([]);
    expect(windowOptions('/p.cjs', '/i.png', release).webPreferences).toMatchObject({ devTools: true });
  });
});
