// Electron's main process: the only place that wires real Electron APIs to the plain-Node core. Everything it calls is
// unit-tested through injected fakes or against a real agent; this file only connects them (docs/architecture.md decision 1).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, net, protocol, shell, Tray } from 'electron';
import { Settings } from '../../shared/domain/settings.js';
import { createAgent, rendererDir } from '../core/agent.js';
import { AgentUnavailable, connectDesktopAgent, type AgentConnection } from '../core/desktop/connect.js';
import { describeService } from '../core/desktop/diagnose.js';
import { runAgent } from '../core/headless.js';
import { LogHub } from '../core/logging/log-hub.js';
import { createLogger, type Logger } from '../core/logging/logger.js';
import { defaultSettingsFile, resolveConfig } from '../core/settings/layers.js';
import { SettingsStore } from '../core/settings/store.js';
import { installFatalHandlers, runMain, type FatalHandlers, type FatalOptions } from '../lib/process/fatal.js';
import { readAutostart, setAutostart } from './desktop/autostart.js';
import { hasTrayHost } from './desktop/tray-host.js';
import { bindIpc } from './ipc/bind.js';
import { bindDialogIpc } from './ipc/dialog.js';
import { hardenWebContents } from './security/guards.js';
import { hardenRelease } from './security/release.js';
import { TrayController } from './tray/controller.js';
import { TrayFeed } from './tray/feed.js';
import { closeQuitsApp, windowOptions } from './window/options.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/electron/shell → the app root, where resources/ sits next to dist/ (also inside app.asar).
const resources = path.resolve(here, '../../../resources');

/** Chromium switches the service passes to the binary; the agent's own parser must not see them. */
const agentArgs = (argv: string[]): string[] => argv.filter((a) => !/^--(ozone-platform|no-sandbox|disable-gpu)\b/.test(a));

// Electron's main process would only show a dialog after an uncaught exception and keep running: exit instead.
const fatalOptions: FatalOptions = { name: 'vplc-orchestrator', exit: (code) => app.exit(code), stderr: (text) => void process.stderr.write(text) };

/**
 * `vplc-orchestrator agent …` (the system service): the same headless agent as the CLI, dispatched before any
 * window, tray or single-instance code (docs/decisions.md "How the service runs"); the host-wide lock keeps it alone. A start
 * that rejects exits 1, so the service is never active without an agent.
 */
function runAgentMode(argv: string[]): void {
  app.on('window-all-closed', () => undefined);
  void runMain(
    async (fatal) => {
      await app.whenReady();
      return runAgent(agentArgs(argv), { fatal });
    },
    process,
    fatalOptions,
  );
}

const agentAt = process.argv.indexOf('agent');
if (agentAt >= 0) {
  runAgentMode(process.argv.slice(agentAt + 1));
} else {
  const fatal = installFatalHandlers(process, fatalOptions);
  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  if (!app.requestSingleInstanceLock()) app.exit(0);
  else void main(fatal).catch((err: unknown) => fatal.fail('the desktop app failed to start', err));
}

async function main(fatal: FatalHandlers): Promise<void> {
  await app.whenReady();
  const release = hardenRelease(app, Menu);
  const settingsStore = new SettingsStore(process.env.VPLC_SETTINGS ?? defaultSettingsFile(process.env));
  const loaded = await settingsStore.load();
  const config = resolveConfig(loaded.settings, process.env, {}, loaded.fileKeys);
  const logHub = new LogHub();
  const log = createLogger({ file: path.join(config.dataDir, 'logs', 'desktop.log'), level: config.logLevel, hub: logHub });
  fatal.attach((msg, data) => log.error(msg, data));

  let connection: AgentConnection;
  try {
    connection = await connectDesktopAgent({
      lockName: config.lockName,
      onServiceStarted: (message) => {
        dialog.showErrorBox('vPLC Orchestrator', message);
        app.quit();
      },
      createOwnAgent: () => createAgent({ config, log, logHub, settings: settingsStore, rendererDir: rendererDir(), fatal }),
    });
  } catch (err) {
    const fix = err instanceof AgentUnavailable && err.fix ? `\n\n${err.fix}` : '';
    log.error('no agent for the desktop app', { err: String(err) });
    dialog.showErrorBox('vPLC Orchestrator cannot start', `${(err as Error).message}${fix}`);
    app.exit(1);
    return;
  }
  log.info('desktop app ready', { mode: connection.mode });
  syncAutostart(loaded.settings.desktop.autostart, log);

  bindIpc(ipcMain, async (channel, raw) => {
    const result = await connection.call(channel, raw);
    // The autostart entry is a file of this user's session, so the app (not the agent) applies that setting.
    if (channel === 'settings:set' && result.ok) {
      const s = Settings.safeParse((result.value as { settings?: unknown }).settings);
      if (s.success) syncAutostart(s.data.desktop.autostart, log);
    }
    return result;
  });

  const root = rendererDir();
  protocol.handle('app', (req) => {
    const file = path.resolve(root, decodeURIComponent(new URL(req.url).pathname).slice(1) || 'index.html');
    if (!file.startsWith(root + path.sep)) return new Response('forbidden', { status: 403 });
    return net.fetch(pathToFileURL(file).toString());
  });
  app.on('web-contents-created', (_e, wc) => hardenWebContents(wc, (url) => void shell.openExternal(url)));

  const win = new BrowserWindow(windowOptions(path.join(here, '../preload/index.cjs'), path.join(resources, 'icons', 'icon.png'), release));
  // Before the page loads: the renderer may ask for the dialog at once; it is modal to this window.
  bindDialogIpc(ipcMain, { showOpenDialog: (options) => dialog.showOpenDialog(win, options) });
  // Every contract event goes to the window; the preload hands each one only to the listeners of that name.
  const stopEvents = connection.onEvent((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(name, payload);
  });
  if (!process.argv.includes('--hidden')) win.once('ready-to-show', () => win.show());
  await win.loadURL('app://renderer/index.html');

  const icon = (name: string): Electron.NativeImage => nativeImage.createFromPath(path.join(resources, 'tray', `${name}.png`));
  const tray = new Tray(icon('offline'));
  const controller = new TrayController(tray, Menu, { connected: icon('connected'), offline: icon('offline'), error: icon('error'), stopped: icon('stopped') }, (cmd) => {
    if (cmd === 'open') win.show();
    else if (cmd === 'quit') app.quit();
    else void feed.command(cmd);
  });
  const feed = new TrayFeed(connection, (s) => controller.render(s), (message) => dialog.showErrorBox('vPLC Orchestrator', message), undefined, () => describeService());
  await feed.start();

  const trayVisible = await hasTrayHost();
  win.on('close', (e) => {
    if (!closeQuitsApp(loaded.settings.desktop, trayVisible)) {
      e.preventDefault();
      win.hide();
    }
  });
  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  // Quitting stops the agent this app runs itself, never the vPLCs; an attached service keeps running.
  let closing = false;
  app.on('before-quit', (e) => {
    if (closing) return;
    closing = true;
    e.preventDefault();
    feed.stop();
    stopEvents();
    void connection.close().finally(() => app.quit());
  });
}

function syncAutostart(enabled: boolean, log: Logger): void {
  try {
    const now = readAutostart(process.env, process.execPath);
    if (enabled !== now.enabled || (enabled && now.stale)) setAutostart(process.env, process.execPath, enabled);
  } catch (err) {
    log.warn('cannot update the autostart entry', { err: String(err) });
  }
}
