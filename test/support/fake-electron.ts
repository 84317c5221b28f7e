// No Electron binary exists on the test machines: a node child loads the built Electron shell with `electron` resolved
// to this stand-in by a module hook. The stand-in records each Electron call it gets (one JSON line per call, appended
// synchronously so none is lost when app.exit ends the process) and throws on any API it does not fake.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

const FAKE = `import { appendFileSync } from 'node:fs';
const logFile = process.env.VPLC_FAKE_ELECTRON_LOG;
const record = (call, args = []) => { if (logFile) appendFileSync(logFile, JSON.stringify({ call, args }) + '\\n'); };
const notFaked = (name) => function () { throw new Error('fake electron: ' + name + ' is not faked'); };
export const app = {
  on: (event) => { record('app.on', [event]); return app; },
  // Never ready unless asked: the shell then stops after its start-up code, with only its static imports loaded.
  whenReady: () => { record('app.whenReady'); return process.env.VPLC_FAKE_ELECTRON_READY === '1' ? Promise.resolve() : new Promise(() => {}); },
  requestSingleInstanceLock: () => { record('app.requestSingleInstanceLock'); return process.env.VPLC_FAKE_ELECTRON_LOCK === '1'; },
  exit: (code) => { record('app.exit', [code]); process.exit(code); },
  quit: () => { record('app.quit'); process.exit(0); },
};
export const protocol = {
  registerSchemesAsPrivileged: (schemes) => record('protocol.registerSchemesAsPrivileged', [schemes]),
  handle: notFaked('protocol.handle'),
};
export const BrowserWindow = notFaked('BrowserWindow');
export const Tray = notFaked('Tray');
export const Menu = { buildFromTemplate: notFaked('Menu.buildFromTemplate'), setApplicationMenu: notFaked('Menu.setApplicationMenu') };
export const dialog = { showErrorBox: notFaked('dialog.showErrorBox'), showOpenDialog: notFaked('dialog.showOpenDialog') };
export const ipcMain = { handle: notFaked('ipcMain.handle'), on: notFaked('ipcMain.on') };
export const nativeImage = { createFromPath: notFaked('nativeImage.createFromPath') };
export const net = { fetch: notFaked('net.fetch') };
export const shell = { openExternal: notFaked('shell.openExternal') };
`;

export type FakeElectron = {
  /** The `--import` argument that installs the hook (node's module.register). */
  importArg: string;
  /** Environment for the child: where the stand-in writes its calls. */
  env: Record<string, string>;
  /** The calls recorded so far. */
  calls(): ElectronCall[];
};

const ElectronCall = z.object({ call: z.string(), args: z.array(z.unknown()) });
export type ElectronCall = z.infer<typeof ElectronCall>;

/**
 * Writes the stand-in and its hook into `dir`. `extraResolve` is hook code run for every other specifier after it
 * resolved (`r` is the result): a test can record resolutions there.
 */
export function fakeElectron(dir: string, id: string, extraResolve = ''): FakeElectron {
  const fake = path.join(dir, `fake-electron-${id}.mjs`);
  const log = path.join(dir, `electron-calls-${id}.jsonl`);
  const hook = path.join(dir, `electron-hook-${id}.mjs`);
  const register = path.join(dir, `electron-register-${id}.mjs`);
  writeFileSync(fake, FAKE);
  writeFileSync(log, '');
  writeFileSync(
    hook,
    [
      "import { appendFileSync } from 'node:fs';",
      `export async function resolve(spec, ctx, next) {`,
      `  if (spec === 'electron') return { url: ${JSON.stringify(pathToFileURL(fake).href)}, shortCircuit: true };`,
      '  const r = await next(spec, ctx);',
      `  ${extraResolve}`,
      '  return r;',
      '}',
      // Keeps the import of appendFileSync used whatever extraResolve holds.
      'void appendFileSync;',
      '',
    ].join('\n'),
  );
  writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hook).href)});\n`);
  return {
    importArg: pathToFileURL(register).href,
    env: { VPLC_FAKE_ELECTRON_LOG: log },
    calls: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => ElectronCall.parse(JSON.parse(l))),
  };
}
