import { invoke } from '../../../shared/api/contract.js';
import { fail, type Envelope } from '../../../shared/api/envelope.js';

export type FrameLike = { url: string; parent: FrameLike | null } | null;
export type IpcEventLike = { senderFrame: FrameLike };
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, raw: unknown) => Promise<unknown>): void;
}
export type CallApi = (channel: string, raw: unknown) => Promise<Envelope<unknown>>;

/** Only our own top frame on app://renderer may call. Node's URL gives origin "null" for custom schemes, so compare parts. */
export function isAppTopFrame(f: FrameLike): boolean {
  if (!f || f.parent !== null) return false;
  try {
    const u = new URL(f.url);
    return u.protocol === 'app:' && u.host === 'renderer';
  } catch {
    return false;
  }
}

/** Binds every contract channel to ipcMain; `call` is the registry (own agent) or the service's bridge (attached). */
export function bindIpc(ipcMain: IpcMainLike, call: CallApi): void {
  for (const channel of Object.keys(invoke)) {
    ipcMain.handle(channel, (event, raw) => (isAppTopFrame(event.senderFrame) ? call(channel, raw) : Promise.resolve(fail('FORBIDDEN', 'sender is not the app window'))));
  }
}
