import { fail, type Envelope } from '../../../shared/api/envelope.js';
import { IMAGE_ARCHIVE_EXTENSIONS, SHELL_CHOOSE_IMAGE_FILE, type ChosenFile } from '../../../shared/api/shell.js';
import { isAppTopFrame, type IpcMainLike } from './bind.js';

export type OpenDialogOptions = { title: string; properties: Array<'openFile'>; filters: Array<{ name: string; extensions: string[] }> };
/** The part of Electron's `dialog` this uses; tests inject a fake. */
export interface DialogLike {
  showOpenDialog(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
}

export const IMAGE_DIALOG: OpenDialogOptions = {
  title: 'Load a runtime image (docker save archive)',
  properties: ['openFile'],
  filters: [
    { name: 'docker save archive (.tar, .tar.gz, .tgz)', extensions: [...IMAGE_ARCHIVE_EXTENSIONS] },
    { name: 'All files', extensions: ['*'] },
  ],
};

/**
 * `shell:choose-image-file`: the native open-file dialog for a runtime image archive. The chosen path is then loaded
 * with `images:load` by the page, like a typed one. Only our own top frame may open it.
 */
export function bindDialogIpc(ipcMain: IpcMainLike, dialog: DialogLike): void {
  ipcMain.handle(SHELL_CHOOSE_IMAGE_FILE, async (event): Promise<Envelope<ChosenFile>> => {
    if (!isAppTopFrame(event.senderFrame)) return fail('FORBIDDEN', 'sender is not the app window');
    try {
      const r = await dialog.showOpenDialog(IMAGE_DIALOG);
      return { ok: true, value: { path: r.canceled ? null : (r.filePaths[0] ?? null) } };
    } catch (err) {
      return fail('INTERNAL', `cannot open the file dialog: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}
