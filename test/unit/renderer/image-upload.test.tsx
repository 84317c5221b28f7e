// Runtime images from a file the user picks: the browser page uploads it (upload bar → the agent's load bar for this
// upload → result and a refreshed list); the desktop client opens its native dialog and loads the chosen path. The
// XMLHttpRequest uploader is checked against a fake XHR for what it sends and how it reads the agent's answers.
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { IMAGE_UPLOAD } from '../../../shared/api/image-upload';
import type { Envelope } from '../../../shared/api/envelope';
import { xhrImageUpload, type UploadImage, type UploadProgress } from '../../../renderer/src/api/upload';
import { RuntimeImages } from '../../../renderer/src/features/images/RuntimeImages';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';
import { FakeXhr } from './fake-xhr';

afterEach(cleanup);

const REPO = 'ghcr.io/autonomy-logic/openplc-runtime';
const v420 = { repository: REPO, tag: '4.2.0', id: `sha256:${'b'.repeat(64)}`, size: 420_000_000, created: '2026-12-01T10:00:00.000Z', usedBy: [] };

class BrowserTransport extends FakeTransport {
  uploads: Array<{ file: File; id: string; onProgress: UploadProgress; resolve(e: Envelope<unknown>): void }> = [];
  uploadImage: UploadImage = (file, o) => new Promise((resolve) => this.uploads.push({ file, ...o, resolve }));
}

class DesktopTransport extends FakeTransport {
  chosen: unknown = { ok: true, value: { path: '/media/usb/openplc-4.2.0.tar.gz' } };
  chooseImageFile = (): Promise<unknown> => Promise.resolve(this.chosen);
}

const archive = (): File => new File([new Uint8Array(1000)], 'openplc 4.2.0.tar', { type: 'application/x-tar' });

describe('uploading from the browser page', () => {
  it('shows the upload bar, then the load bar of this upload only, then the result and the new list', async () => {
    let listed: unknown[] = [];
    const f = new BrowserTransport({ 'images:list': () => ok(listed) });
    renderWithApp(<RuntimeImages />, f);
    await screen.findByText(/No runtime image on this PC yet/);
    expect(screen.queryByRole('button', { name: 'Choose file…' })).toBeNull();
    const input = screen.getByLabelText('Upload from this computer') as HTMLInputElement;
    expect(input.accept).toBe('.tar,.tar.gz,.tgz');
    expect((screen.getByRole('button', { name: 'Upload' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input, { target: { files: [archive()] } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    await waitFor(() => expect(f.uploads).toHaveLength(1));
    const up = f.uploads[0]!;
    expect(up.file.name).toBe('openplc 4.2.0.tar');
    expect(up.id).toMatch(/^[0-9a-f]{32}$/);
    expect((screen.getByRole('button', { name: 'Uploading…' }) as HTMLButtonElement).disabled).toBe(true);
    expect(input.disabled).toBe(true);

    act(() => up.onProgress(168_000_000, 420_000_000));
    expect((screen.getByRole('progressbar', { name: 'Uploading: 40% (168.0 MB of 420.0 MB)' }) as HTMLProgressElement).value).toBe(40);
    act(() => up.onProgress(420_000_000, 420_000_000));
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.getByRole('status').textContent).toBe('Uploaded; the agent is checking the archive…');

    act(() => f.emit('images:progress', { file: '/var/lib/vplc/uploads/other.upload', phase: 'loading', bytesRead: 1, totalBytes: 10, percent: 10 }));
    expect(screen.queryByRole('progressbar')).toBeNull();
    act(() => f.emit('images:progress', { file: `/var/lib/vplc/uploads/${up.id}-0a1b2c3d.upload`, phase: 'loading', bytesRead: 210_000_000, totalBytes: 420_000_000, percent: 50 }));
    expect((screen.getByRole('progressbar', { name: 'Loading into Docker: 50% (210.0 MB of 420.0 MB)' }) as HTMLProgressElement).value).toBe(50);

    listed = [v420];
    await act(async () => up.resolve(ok({ file: 'openplc 4.2.0.tar', loaded: [`${REPO}:4.2.0`] })));
    expect((await screen.findByRole('status')).textContent).toBe(`Loaded ${REPO}:4.2.0 from openplc 4.2.0.tar`);
    await screen.findByRole('row', { name: /:4\.2\.0 / });
    expect(f.callsTo('images:list')).toHaveLength(2);
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(f.callsTo('images:load')).toEqual([]);
  });

  it('shows the agent’s refusal with its field and leaves the list alone', async () => {
    const f = new BrowserTransport({ 'images:list': () => ok([]) });
    renderWithApp(<RuntimeImages />, f);
    await screen.findByText(/No runtime image on this PC yet/);
    fireEvent.change(screen.getByLabelText('Upload from this computer'), { target: { files: [archive()] } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    await waitFor(() => expect(f.uploads).toHaveLength(1));
    const msg = 'openplc 4.2.0.tar is 9000 MiB; uploads are limited to 8192 MiB. Copy the file to this PC and load it by path instead.';
    await act(async () => f.uploads[0]?.resolve({ ok: false, error: { code: 'VALIDATION', message: msg, field: 'file' } }));
    expect((await screen.findByRole('alert')).textContent).toBe(`file: ${msg}`);
    expect(f.callsTo('images:list')).toHaveLength(1);
    expect((screen.getByRole('button', { name: 'Upload' }) as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('choosing a file in the desktop client', () => {
  it('offers Choose file… (no upload), loads the chosen path with images:load, and does nothing on cancel', async () => {
    const f = new DesktopTransport({ 'images:list': () => ok([]), 'images:load': () => ok({ file: '/media/usb/openplc-4.2.0.tar.gz', loaded: [`${REPO}:4.2.0`] }) });
    renderWithApp(<RuntimeImages />, f);
    await screen.findByText(/No runtime image on this PC yet/);
    expect(screen.queryByLabelText('Upload from this computer')).toBeNull();
    f.chosen = { ok: true, value: { path: null } };
    fireEvent.click(screen.getByRole('button', { name: 'Choose file…' }));
    await act(async () => undefined);
    expect(f.callsTo('images:load')).toEqual([]);
    f.chosen = { ok: true, value: { path: '/media/usb/openplc-4.2.0.tar.gz' } };
    fireEvent.click(screen.getByRole('button', { name: 'Choose file…' }));
    await waitFor(() => expect(f.callsTo('images:load')).toEqual([{ path: '/media/usb/openplc-4.2.0.tar.gz' }]));
    expect((await screen.findByRole('status')).textContent).toBe(`Loaded ${REPO}:4.2.0`);
    expect((screen.getByLabelText('Load from file…') as HTMLInputElement).value).toBe('');
  });

  it('shows why the dialog failed, and refuses an answer it does not understand', async () => {
    const f = new DesktopTransport({ 'images:list': () => ok([]) });
    renderWithApp(<RuntimeImages />, f);
    await screen.findByText(/No runtime image on this PC yet/);
    f.chosen = { ok: false, error: { code: 'INTERNAL', message: 'cannot open the file dialog: no display' } };
    fireEvent.click(screen.getByRole('button', { name: 'Choose file…' }));
    expect((await screen.findByRole('alert')).textContent).toBe('cannot open the file dialog: no display');
    f.chosen = { ok: true, value: { path: 42 } };
    fireEvent.click(screen.getByRole('button', { name: 'Choose file…' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('the app answered the file dialog with something this UI does not understand'));
  });
});

describe('the XMLHttpRequest uploader', () => {
  const upload = (): { done: Promise<Envelope<unknown>>; xhr: FakeXhr; progress: Array<[number, number]>; file: File } => {
    const progress: Array<[number, number]> = [];
    const file = archive();
    const done = xhrImageUpload('http://127.0.0.1:8470', () => 'f'.repeat(64), () => new FakeXhr() as unknown as XMLHttpRequest)(file, { id: 'e'.repeat(32), onProgress: (s, t) => progress.push([s, t]) });
    return { done, xhr: FakeXhr.last!, progress, file };
  };

  it('posts the file itself to the agent’s upload path with the token, name and id headers, reporting upload progress', async () => {
    const { done, xhr, progress, file } = upload();
    expect(xhr.opened).toEqual(['POST', `http://127.0.0.1:8470${IMAGE_UPLOAD.path}`]);
    expect(xhr.headers).toEqual({ [IMAGE_UPLOAD.tokenHeader]: 'f'.repeat(64), [IMAGE_UPLOAD.nameHeader]: 'openplc%204.2.0.tar', [IMAGE_UPLOAD.idHeader]: 'e'.repeat(32) });
    expect(xhr.sent).toBe(file);
    xhr.upload.onprogress?.({ loaded: 500, total: 1000, lengthComputable: true });
    xhr.upload.onprogress?.({ loaded: 700, total: 0, lengthComputable: false });
    expect(progress).toEqual([[500, 1000], [700, 1000]]);
    xhr.answer(200, JSON.stringify({ ok: true, value: { file: 'openplc 4.2.0.tar', loaded: ['r:1'] } }));
    expect(await done).toEqual({ ok: true, value: { file: 'openplc 4.2.0.tar', loaded: ['r:1'] } });
  });

  it('turns refusals, a broken connection and a garbled answer into envelopes', async () => {
    const cases: Array<[number, string, Envelope<unknown>]> = [
      [413, 'too big\n', { ok: false, error: { code: 'VALIDATION', message: 'too big', field: 'file' } }],
      [401, 'a valid token is required\n', { ok: false, error: { code: 'FORBIDDEN', message: 'a valid token is required' } }],
      [409, 'another image upload is in progress\n', { ok: false, error: { code: 'CONFLICT', message: 'another image upload is in progress' } }],
      [507, 'not enough disk space\n', { ok: false, error: { code: 'UNAVAILABLE', message: 'not enough disk space' } }],
      [502, '', { ok: false, error: { code: 'INTERNAL', message: 'the agent refused the upload (HTTP 502)' } }],
      [200, '<html>', { ok: false, error: { code: 'INTERNAL', message: 'the agent answered the upload with something this UI does not understand' } }],
    ];
    for (const [status, text, expected] of cases) {
      const { done, xhr } = upload();
      xhr.answer(status, text);
      expect(await done, String(status)).toEqual(expected);
    }
    const broken = upload();
    broken.xhr.onerror?.();
    expect(await broken.done).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'the upload was interrupted: the connection to the agent broke' } });
  });
});
