// Electron's main process: the only place that wires real Electron APIs to the plain-Node core. Everything it calls is
// unit-tested through injected fakes; this file only connects them (ENGINEERING decision 1).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, nativeImage, net, protocol, shell, Tray } from 'electron';
import { createAgent, rendererDir, type Agent } from '../core/agent.js';
import { runAgent } from '../core/headless.js';
import { ApiClient } from '../core/api/ws-client.js';
import { LogHub } from '../core/logging/log-hub.js';
import { createLogger } from '../core/logging/logger.js';
import { defaultSettingsFile, resolveConfig } from '../core/settings/layers.js';
import { SettingsStore } from '../core/settings/store.js';
import { bindIpc } from './ipc/bind.js';
import { hardenWebContents } from './security/guards.js';
import { TrayController } from './tray/controller.js';
import type { TrayState } from './tray/menu.js';
import { closeQuitsApp, windowOptions } from './window/options.js';

const SERVICE_TOKEN = '/run/vplc-orchestrator/token';
const SERVICE_PORT = 48750;
const here = path.dirname(fileURLToPath(import.meta.url));
// dist/electron/shell → the app root, where resources/ sits next to dist/ (also inside app.asar).
const resources = path.resolve(here, '../../../resources');

/** Chromium switches the service passes to the binary; the agent's own parser must not see them. */
const agentArgs = (argv: string[]): string[] => argv.filter((a) => !/^--(ozone-platform|no-sandbox|disable-gpu)\b/.test(a));

/**
 * `vplc-orchestrator agent …` (the system service): the same headless agent as the CLI, dispatched before any
 * window, tray or single-instance code (DECISIONS "How the service runs"); the host-wide lock keeps it alone.
 */
function runAgentMode(argv: string[]): void {
  app.on('window-all-closed', () => undefined);
  void app.whenReady().then(async () => app.exit(await runAgent(agentArgs(argv))));
}

const agentAt = process.argv.indexOf('agent');
if (agentAt >= 0) {
  runAgentMode(process.argv.slice(agentAt + 1));
} else {
  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  if (!app.requestSingleInstanceLock()) app.exit(0);
  void main();
}

async function main(): Promise<void> {
  await app.whenReady();
  const settingsStore = new SettingsStore(process.env.VPLC_SETTINGS ?? defaultSettingsFile(process.env));
  const loaded = await settingsStore.load();
  const config = resolveConfig(loaded.settings, process.env, {});
  const logHub = new LogHub();
  const log = createLogger({ file: path.join(config.dataDir, 'logs', 'desktop.log'), level: config.logLevel, hub: logHub });

  // Attach to the system service when we may read its token; otherwise run our own agent (AppImage, development).
  let call: (channel: string, raw: unknown) => Promise<unknown>;
  let own: Agent | undefined;
  let mode: TrayState['mode'] = 'own';
  let token: string | undefined;
  try {
    token = readFileSync(SERVICE_TOKEN, 'utf8').trim();
  } catch {
    token = undefined;
  }
  if (token) {
    const client = await ApiClient.connect(SERVICE_PORT, token);
    call = (channel, raw) => client.call(channel, raw);
    mode = 'service';
  } else {
    own = createAgent({ config, log, logHub, settings: settingsStore, rendererDir: rendererDir() });
    await own.start();
    const registry = own.registry;
    call = (channel, raw) => registry.call(channel, raw, { via: 'ipc' });
  }
  bindIpc(ipcMain, (channel, raw) => call(channel, raw) as ReturnType<Parameters<typeof bindIpc>[1]>);

  const root = rendererDir();
  protocol.handle('app', (req) => {
    const file = path.resolve(root, decodeURIComponent(new URL(req.url).pathname).slice(1) || 'index.html');
    if (!file.startsWith(root + path.sep)) return new Response('forbidden', { status: 403 });
    return net.fetch(pathToFileURL(file).toString());
  });
  app.on('web-contents-created', (_e, wc) => hardenWebContents(wc, (url) => void shell.openExternal(url)));

  const win = new BrowserWindow(windowOptions(path.join(here, '../preload/index.cjs'), path.join(resources, 'icons', 'icon.png')));
  win.once('ready-to-show', () => win.show());
  await win.loadURL('app://renderer/index.html');

  const icon = (name: string): Electron.NativeImage => nativeImage.createFromPath(path.join(resources, 'tray', `${name}.png`));
  const tray = new Tray(icon('offline'));
  const controller = new TrayController(tray, Menu, { connected: icon('connected'), offline: icon('offline'), error: icon('error'), stopped: icon('stopped') }, (cmd) => {
    if (cmd === 'open') win.show();
    else if (cmd === 'quit') app.quit();
  });
  controller.render({ agent: 'running', mode, cloud: config.cloudEnabled ? 'offline' : 'disabled', vplcs: { running: 0, total: 0 }, certDaysLeft: null });
  win.on('close', (e) => {
    if (!closeQuitsApp(loaded.settings.desktop, true)) {
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
  app.on('before-quit', () => void own?.stop());
}

