// The desktop client's "Choose file…": the shell's typed IPC channel opens the native open-file dialog (an injected
// fake here, like the other shell tests) and answers the chosen path in an envelope; only our own window may ask.
import { describe, expect, it } from 'vitest';
import type { IpcEventLike } from '../../../../electron/shell/ipc/bind.js';
import { bindDialogIpc, IMAGE_DIALOG, PROGRAM_DIALOG, type DialogLike, type OpenDialogOptions } from '../../../../electron/shell/ipc/dialog.js';
import { ChosenFile, SHELL_CHOOSE_IMAGE_FILE, SHELL_CHOOSE_PROGRAM_FILE } from '../../../../shared/api/shell.js';

type Listener = (event: IpcEventLike, raw: unknown) => Promise<unknown>;

function bound(dialog: DialogLike, channel: string = SHELL_CHOOSE_IMAGE_FILE): Listener {
  const handlers = new Map<string, Listener>();
  bindDialogIpc({ handle: (ch, l) => void handlers.set(ch, l) }, dialog);
  expect([...handlers.keys()]).toEqual([SHELL_CHOOSE_IMAGE_FILE, SHELL_CHOOSE_PROGRAM_FILE]);
  return handlers.get(channel) as Listener;
}

const app: IpcEventLike = { senderFrame: { url: 'app://renderer/index.html', parent: null } };

describe('shell:choose-image-file', () => {
  it('opens the dialog for docker save archives and answers the chosen path', async () => {
    const asked: OpenDialogOptions[] = [];
    const choose = bound({ showOpenDialog: (o) => (asked.push(o), Promise.resolve({ canceled: false, filePaths: ['/media/usb/openplc-4.2.0.tar.gz'] })) });
    const answer = await choose(app, undefined);
    expect(answer).toEqual({ ok: true, value: { path: '/media/usb/openplc-4.2.0.tar.gz' } });
    expect(ChosenFile.parse((answer as { value: unknown }).value)).toEqual({ path: '/media/usb/openplc-4.2.0.tar.gz' });
    expect(asked).toEqual([IMAGE_DIALOG]);
    expect(asked[0]?.properties).toEqual(['openFile']);
    expect(asked[0]?.filters[0]?.extensions).toEqual(['tar', 'gz', 'tgz']);
  });

  it('answers null when the user cancels, and INTERNAL with the reason when the dialog fails', async () => {
    expect(await bound({ showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }) })(app, undefined)).toEqual({ ok: true, value: { path: null } });
    expect(await bound({ showOpenDialog: () => Promise.reject(new Error('no display')) })(app, undefined)).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'cannot open the file dialog: no display' },
    });
  });

  it('refuses any sender but our top frame without opening the dialog', async () => {
    let opened = 0;
    const choose = bound({ showOpenDialog: () => (opened++, Promise.resolve({ canceled: true, filePaths: [] })) });
    for (const senderFrame of [{ url: 'https://evil.example/', parent: null }, { url: 'app://renderer/index.html', parent: { url: 'app://renderer/', parent: null } }, null]) {
      expect(await choose({ senderFrame }, undefined)).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'sender is not the app window' } });
    }
    expect(opened).toBe(0);
  });
});

describe('shell:choose-program-file', () => {
  it('opens the dialog for program bundles (.zip), answers the chosen path or null, and only for our top frame', async () => {
    const asked: OpenDialogOptions[] = [];
    const choose = bound({ showOpenDialog: (o) => (asked.push(o), Promise.resolve({ canceled: false, filePaths: ['/home/eng/blink.zip'] })) }, SHELL_CHOOSE_PROGRAM_FILE);
    expect(await choose(app, undefined)).toEqual({ ok: true, value: { path: '/home/eng/blink.zip' } });
    expect(asked).toEqual([PROGRAM_DIALOG]);
    expect(asked[0]?.filters[0]?.extensions).toEqual(['zip']);
    expect(await bound({ showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }) }, SHELL_CHOOSE_PROGRAM_FILE)(app, undefined)).toEqual({ ok: true, value: { path: null } });
    expect(await choose({ senderFrame: { url: 'https://evil.example/', parent: null } }, undefined)).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'sender is not the app window' } });
    expect(asked).toHaveLength(1);
  });
});
