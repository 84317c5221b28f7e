import { fail, type Envelope } from '../../../shared/api/envelope.js';
import { IMAGE_ARCHIVE_EXTENSIONS, PROGRAM_BUNDLE_EXTENSIONS, SHELL_CHOOSE_IMAGE_FILE, SHELL_CHOOSE_PROGRAM_FILE, type ChosenFile } from '../../../shared/api/shell.js';
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

export const PROGRAM_DIALOG: OpenDialogOptions = {
  title: 'Upload a PLC program (.zip from the editor)',
  properties: ['openFile'],
  filters: [
    { name: 'PLC program bundle (.zip)', extensions: [...PROGRAM_BUNDLE_EXTENSIONS] },
    { name: 'All files', extensions: ['*'] },
  ],
};

/**
 * `shell:choose-image-file` and `shell:choose-program-file`: the native open-file dialog for a runtime image archive
 * or a PLC program bundle. The page then hands the chosen path to `images:load` or `plc:upload`, like a typed one.
 * Only our own top frame may open them.
 */
export function bindDialogIpc(ipcMain: IpcMainLike, dialog: DialogLike): void {
  for (const [channel, options] of [
    [SHELL_CHOOSE_IMAGE_FILE, IMAGE_DIALOG],
    [SHELL_CHOOSE_PROGRAM_FILE, PROGRAM_DIALOG],
  ] as const) {
    ipcMain.handle(channel, async (event): Promise<Envelope<ChosenFile>> => {
      if (!isAppTopFrame(event.senderFrame)) return fail('FORBIDDEN', 'sender is not the app window');
      try {
        const r = await dialog.showOpenDialog(options);
        return { ok: true, value: { path: r.canceled ? null : (r.filePaths[0] ?? null) } };
      } catch (err) {
        return fail('INTERNAL', `cannot open the file dialog: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
}
