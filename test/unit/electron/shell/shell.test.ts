import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { autostartFile, quoteExec, readAutostart, setAutostart } from '../../../../electron/shell/desktop/autostart.js';
import { bindIpc, type IpcEventLike } from '../../../../electron/shell/ipc/bind.js';
import { hardenWebContents, type WebContentsLike } from '../../../../electron/shell/security/guards.js';
import { TrayController, type MenuTemplateItem } from '../../../../electron/shell/tray/controller.js';
import { buildTray, type TrayState } from '../../../../electron/shell/tray/menu.js';
import { closeQuitsApp, windowOptions } from '../../../../electron/shell/window/options.js';
import { invoke } from '../../../../shared/api/contract.js';

const base: TrayState = { agent: 'running', mode: 'own', cloud: 'connected', vplcs: { running: 2, degraded: 0, total: 3 }, certDaysLeft: null };
const labels = (s: TrayState): string[] => buildTray(s).entries.flatMap((e) => (e.kind === 'item' ? [e.label] : ['—']));

describe('buildTray', () => {
  it.each([
    [{ agent: 'stopped' }, 'stopped'],
    [{ agent: 'degraded' }, 'error'],
    [{ cloud: 'connected' }, 'connected'],
    [{ cloud: 'offline' }, 'offline'],
    [{ cloud: 'disabled' }, 'offline'],
  ] as const)('picks the icon for %j', (over, icon) => {
    expect(buildTray({ ...base, ...over }).icon).toBe(icon);
  });

  it('says why the agent is unreachable, with the error icon, instead of a stale state word', () => {
    const view = buildTray({ ...base, mode: 'service', problem: 'the service is not running: port 48750 is held by another process (pid 812)' });
    expect(view.icon).toBe('error');
    expect(labels({ ...base, mode: 'service', problem: 'x' })).toContain('Agent unreachable (system service): x');
    expect(labels({ ...base, mode: 'service', problem: 'x' })).not.toContain('Agent: running (system service)');
  });

  it('offers stop while running (vPLCs keep running) and start while stopped', () => {
    expect(labels(base)).toContain('Stop agent (vPLCs keep running)');
    expect(labels({ ...base, agent: 'stopped' })).toContain('Start agent');
  });

  it('disables start/stop while the agent is changing state', () => {
    const entry = buildTray({ ...base, agent: 'stopping' }).entries.find((e) => e.kind === 'item' && e.command === 'stop-agent');
    expect(entry).toMatchObject({ enabled: false });
  });

  it('warns about a certificate expiring within 30 days, and says when it expired', () => {
    expect(labels({ ...base, certDaysLeft: 31 })).not.toContain('Certificate expires in 31 d');
    expect(labels({ ...base, certDaysLeft: 7 })).toContain('Certificate expires in 7 d');
    expect(labels({ ...base, certDaysLeft: 0 })).toContain('Certificate expired: renew it');
  });

  it('keeps everything important in the menu, not only in the tooltip', () => {
    expect(labels({ ...base, mode: 'service' })).toEqual(expect.arrayContaining(['Agent: running (system service)', 'Cloud: connected', 'vPLCs: 2 of 3 running']));
  });

  it('counts degraded vPLCs in the menu and the tooltip', () => {
    const view = buildTray({ ...base, vplcs: { running: 1, degraded: 1, total: 3 } });
    expect(labels({ ...base, vplcs: { running: 1, degraded: 1, total: 3 } })).toContain('vPLCs: 1 of 3 running, 1 degraded');
    expect(view.tooltip).toBe('vPLC Orchestrator: vPLCs 1 of 3 running, 1 degraded; cloud connected');
  });
});

describe('TrayController', () => {
  it('sets a new menu, image and tooltip on every render and dispatches clicks', () => {
    const calls: string[] = [];
    const menus: MenuTemplateItem[][] = [];
    const dispatched: string[] = [];
    const tray = { setContextMenu: () => calls.push('menu'), setImage: (i: unknown) => calls.push(`image:${String(i)}`), setToolTip: () => calls.push('tooltip') };
    const c = new TrayController(tray, { buildFromTemplate: (t) => (menus.push(t), t) }, { connected: 'c', offline: 'o', error: 'e', stopped: 's' }, (cmd) => dispatched.push(cmd));
    c.render(base);
    c.render({ ...base, agent: 'stopped' });
    expect(calls).toEqual(['menu', 'image:c', 'tooltip', 'menu', 'image:s', 'tooltip']);
    menus[1]?.find((m) => m.label === 'Start agent')?.click?.();
    expect(dispatched).toEqual(['start-agent']);
  });
});

describe('bindIpc', () => {
  const handlers = new Map<string, (e: IpcEventLike, raw: unknown) => Promise<unknown>>();
  bindIpc({ handle: (ch, l) => void handlers.set(ch, l) }, (channel, raw) => Promise.resolve({ ok: true, value: { channel, raw } }));

  it('binds every contract channel', () => {
    expect([...handlers.keys()].sort()).toEqual(Object.keys(invoke).sort());
  });

  it('serves only our top frame on app://renderer', async () => {
    const call = handlers.get('vplc:list');
    const top = { url: 'app://renderer/index.html', parent: null };
    expect(await call?.({ senderFrame: top }, {})).toEqual({ ok: true, value: { channel: 'vplc:list', raw: {} } });
    for (const senderFrame of [null, { url: 'https://evil.example/', parent: null }, { url: 'app://renderer/x', parent: top }, { url: 'app://other/', parent: null }]) {
      expect(await call?.({ senderFrame }, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
  });
});

describe('hardenWebContents', () => {
  it('blocks off-app navigation, denies new windows (https goes to the browser) and every permission', () => {
    let navigate: (e: { preventDefault(): void }, url: string) => void = () => undefined;
    let open: (d: { url: string }) => { action: 'deny' } = () => ({ action: 'deny' });
    let request: (wc: unknown, p: string, cb: (g: boolean) => void) => void = () => undefined;
    let check: () => boolean = () => true;
    let beforeRequest: (d: { url: string }, cb: (r: { cancel: boolean }) => void) => void = () => undefined;
    const wc: WebContentsLike = {
      on: (_e, l) => void (navigate = l),
      setWindowOpenHandler: (h) => void (open = h),
      session: {
        setPermissionRequestHandler: (h) => void (request = h),
        setPermissionCheckHandler: (h) => void (check = h),
        webRequest: { onBeforeRequest: (l) => void (beforeRequest = l) },
      },
    };
    const external: string[] = [];
    hardenWebContents(wc, (u) => external.push(u));
    const prevented: string[] = [];
    for (const url of ['app://renderer/#/vplcs', 'https://evil.example/', 'file:///etc/passwd']) navigate({ preventDefault: () => prevented.push(url) }, url);
    expect(prevented).toEqual(['https://evil.example/', 'file:///etc/passwd']);
    expect(open({ url: 'https://docs.example/x' })).toEqual({ action: 'deny' });
    expect(open({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(external).toEqual(['https://docs.example/x']);
    let granted: boolean | undefined;
    request(null, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
    expect(check()).toBe(false);
    const cancelled = (url: string): boolean | undefined => {
      let cancel: boolean | undefined;
      beforeRequest({ url }, (r) => (cancel = r.cancel));
      return cancel;
    };
    expect(cancelled('app://renderer/assets/index.js')).toBe(false);
    expect(cancelled('data:image/png;base64,AAAA')).toBe(false);
    for (const url of ['https://evil.example/x.js', 'http://127.0.0.1:48750/api', 'ws://127.0.0.1:48750/api', 'file:///etc/passwd', 'app://other/x']) expect(cancelled(url), url).toBe(true);
  });
});

describe('window options', () => {
  it('isolates the renderer and quits on close unless a tray can take over', () => {
    expect(windowOptions('/p.cjs', '/i.png', { devTools: false }).webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(closeQuitsApp({ quitOnClose: true }, true)).toBe(true);
    expect(closeQuitsApp({ quitOnClose: false }, false)).toBe(true);
    expect(closeQuitsApp({ quitOnClose: false }, true)).toBe(false);
  });
});

describe('XDG autostart', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const env = (): { XDG_CONFIG_HOME: string } => {
    const d = mkdtempSync(path.join(tmpdir(), 'vplc-xdg-'));
    dirs.push(d);
    return { XDG_CONFIG_HOME: d };
  };

  it('writes and removes the entry, reading the state from the file itself', () => {
    const e = env();
    expect(readAutostart(e, '/opt/vPLC-Orchestrator/vplc-orchestrator')).toEqual({ enabled: false, stale: false });
    setAutostart(e, '/opt/vPLC-Orchestrator/vplc-orchestrator', true);
    expect(readFileSync(autostartFile(e), 'utf8')).toContain('Exec=/usr/bin/vplc-orchestrator --hidden');
    expect(readAutostart(e, '/opt/vPLC-Orchestrator/vplc-orchestrator')).toEqual({ enabled: true, stale: false });
    setAutostart(e, '/opt/vPLC-Orchestrator/vplc-orchestrator', false);
    expect(readAutostart(e, '/opt/vPLC-Orchestrator/vplc-orchestrator').enabled).toBe(false);
  });

  it('points an AppImage entry at $APPIMAGE, quoted, and notices when the AppImage moved', () => {
    const e = env();
    setAutostart({ ...e, APPIMAGE: '/home/u/My Apps/vplc.AppImage' }, '/tmp/.mount_x/vplc', true);
    expect(readFileSync(autostartFile(e), 'utf8')).toContain('Exec="/home/u/My Apps/vplc.AppImage" --hidden');
    expect(readAutostart({ ...e, APPIMAGE: '/home/u/elsewhere.AppImage' }, '/tmp/.mount_y/vplc')).toEqual({ enabled: true, stale: true });
  });

  it('quotes reserved characters as the Desktop Entry spec requires', () => {
    expect(quoteExec('/usr/bin/vplc')).toBe('/usr/bin/vplc');
    expect(quoteExec('/a b/$x"y')).toBe('"/a b/\\$x\\"y"');
  });
});
