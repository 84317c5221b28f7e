// Bundled to one CommonJS file: a sandboxed preload may require only `electron` and a few built-ins.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { events, invoke } from '../../shared/api/contract.js';
import { SHELL_CHOOSE_IMAGE_FILE, SHELL_CHOOSE_PROGRAM_FILE } from '../../shared/api/shell.js';

const invokable = new Set(Object.keys(invoke));
const subscribable = new Set(Object.keys(events));

contextBridge.exposeInMainWorld('api', {
  invoke: (channel: string, input: unknown): Promise<unknown> =>
    invokable.has(channel) ? ipcRenderer.invoke(channel, input) : Promise.resolve({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `no channel "${channel}"` } }),
  on(name: string, listener: (payload: unknown) => void): () => void {
    if (!subscribable.has(name)) throw new Error(`unknown event "${name}"`);
    // The event object stays here: the page never sees IpcRendererEvent (OpenPLC Editor's mistake).
    const wrapped = (_e: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(name, wrapped);
    return () => void ipcRenderer.removeListener(name, wrapped);
  },
  chooseImageFile: (): Promise<unknown> => ipcRenderer.invoke(SHELL_CHOOSE_IMAGE_FILE),
  chooseProgramFile: (): Promise<unknown> => ipcRenderer.invoke(SHELL_CHOOSE_PROGRAM_FILE),
});
