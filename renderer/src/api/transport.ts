import type { Envelope } from '../../../shared/api/envelope';
import type { UploadImage, UploadProgram } from './upload';

/** How the page reaches the agent: Electron's preload bridge or the agent's loopback WebSocket. */
export type LinkState = 'connecting' | 'open' | 'closed' | 'unauthorised';

export interface Transport {
  readonly kind: 'ipc' | 'ws';
  invoke(channel: string, input: unknown): Promise<Envelope<unknown>>;
  on(name: string, listener: (payload: unknown) => void): () => void;
  /** The transport's own connection state (IPC is always open). */
  onState(listener: (s: LinkState) => void): () => void;
  /** The browser page: streams an archive to the agent that served it. */
  uploadImage?: UploadImage;
  /** The browser page: sends a PLC program bundle to the agent that served it. */
  uploadProgram?: UploadProgram;
  /** The desktop client: the native open-file dialog (`shell:choose-image-file`); answers an envelope. */
  chooseImageFile?(): Promise<unknown>;
  /** Reconnects with a new token (after an agent restart the old one is refused); IPC has no token. */
  reauth?(token: string): void;
}

/** What the preload script exposes (electron/preload/index.ts). */
export type PreloadApi = {
  invoke(channel: string, input: unknown): Promise<unknown>;
  on(name: string, listener: (payload: unknown) => void): () => void;
  chooseImageFile?(): Promise<unknown>;
};

export function ipcTransport(api: PreloadApi): Transport {
  const choose = api.chooseImageFile?.bind(api);
  return {
    kind: 'ipc',
    invoke: async (channel, input) => {
      const r = (await api.invoke(channel, input)) as Envelope<unknown> | undefined;
      return r && typeof r === 'object' && 'ok' in r ? r : { ok: false, error: { code: 'INTERNAL', message: 'the app returned no answer' } };
    },
    on: (name, listener) => api.on(name, listener),
    onState: (listener) => {
      listener('open');
      return () => undefined;
    },
    ...(choose ? { chooseImageFile: choose } : {}),
  };
}
