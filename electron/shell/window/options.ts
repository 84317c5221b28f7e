/**
 * BrowserWindow options of docs/architecture.md decision 13 (plain data, so a test can pin them). `devTools` is false in
 * release builds (security/release.ts).
 */
export function windowOptions(preload: string, icon: string, release: { devTools: boolean }): Record<string, unknown> {
  return {
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    icon,
    title: 'vPLC Orchestrator',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      devTools: release.devTools,
    },
  };
}

/** Linux: GNOME may show no tray icon, so closing the window quits unless the user opted into the tray and one exists. */
export function closeQuitsApp(settings: { quitOnClose: boolean }, trayVisible: boolean): boolean {
  return settings.quitOnClose || !trayVisible;
}
