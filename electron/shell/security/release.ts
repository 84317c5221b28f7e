/** The parts of Electron's `app` and `Menu` that release hardening touches (fakes in tests). */
export interface ReleaseApp {
  readonly isPackaged: boolean;
}
export interface ApplicationMenu {
  setApplicationMenu(menu: null): void;
}

export type ReleaseHardening = { devTools: boolean };

/**
 * A packaged (release) build has no default application menu, whose View menu reloads the page and opens DevTools
 * (Ctrl+Shift+I), and its windows get no DevTools at all. Development builds keep both. Call after `app.whenReady()`.
 */
export function hardenRelease(app: ReleaseApp, menu: ApplicationMenu): ReleaseHardening {
  if (app.isPackaged) menu.setApplicationMenu(null);
  return { devTools: !app.isPackaged };
}
