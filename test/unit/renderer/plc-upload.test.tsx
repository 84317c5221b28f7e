// A PLC program upload: the browser page sends the .zip itself after a confirm, follows the compile through this vPLC's
// `plc:compile` events (state and growing log) and ends on the agent's answer; a failed compile shows FAILED with the
// compiler's log. The desktop client names a file on this PC. The XMLHttpRequest uploader is checked against a fake XHR.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../shared/api/envelope';
import { PROGRAM_UPLOAD } from '../../../shared/api/program-upload';
import type { CompileProgress } from '../../../shared/domain/plc';
import { xhrProgramUpload, type UploadProgram, type UploadProgress } from '../../../renderer/src/api/upload';
import { ProgramUpload } from '../../../renderer/src/features/plc/ProgramUpload';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';
import { FakeXhr } from './fake-xhr';

afterEach(cleanup);

class BrowserTransport extends FakeTransport {
  uploads: Array<{ file: File; name: string; onProgress: UploadProgress; resolve(e: Envelope<unknown>): void }> = [];
  uploadProgram: UploadProgram = (file, o) => new Promise((resolve) => this.uploads.push({ file, ...o, resolve }));
}

const bundle = (name = 'program.zip'): File => new File([new Uint8Array(30_000)], name, { type: 'application/zip' });
const progress = (state: CompileProgress['state'], logs: string[], over: Partial<CompileProgress> = {}): CompileProgress => ({ name: 'plc1', state, logs, exit_code: null, error: null, ...over });

const choose = (file: File): void => {
  fireEvent.change(screen.getByLabelText('Program bundle (.zip)'), { target: { files: [file] } });
  fireEvent.click(screen.getByRole('button', { name: 'Upload program' }));
};

describe('uploading a program from the browser page', () => {
  it('confirms first, then shows the upload, the compile state and its growing log, then the result', async () => {
    const f = new BrowserTransport();
    let done = 0;
    renderWithApp(<ProgramUpload name="plc1" onDone={() => done++} />, f);
    expect((screen.getByLabelText('Program bundle (.zip)') as HTMLInputElement).accept).toBe('.zip');
    choose(bundle());
    const dialog = screen.getByRole('dialog', { name: 'Replace the PLC program?' });
    expect(dialog.textContent).toContain('the PLC program is replaced by program.zip and compiled; the PLC restarts with it');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(f.uploads).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Upload program' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Upload and compile' }));
    await waitFor(() => expect(f.uploads).toHaveLength(1));
    const up = f.uploads[0]!;
    expect(up.name).toBe('plc1');
    act(() => up.onProgress(15_000, 30_000));
    expect((screen.getByRole('progressbar', { name: 'Uploading: 15 kB of 30 kB' }) as HTMLProgressElement).value).toBe(15_000);

    act(() => f.emit('plc:compile', progress('COMPILING', ['unzipping'], { name: 'other' })));
    expect(screen.queryByText(/Compile:/)).toBeNull();
    act(() => f.emit('plc:compile', progress('COMPILING', ['[INFO] generating C code'])));
    expect(screen.getByText(/Compile:/).querySelector('.badge')?.textContent).toBe('COMPILING');
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.getByRole('button', { name: 'Compiling…' })).toBeTruthy();
    act(() => f.emit('plc:compile', progress('COMPILING', ['[INFO] generating C code', '[INFO] compiling'])));
    expect(screen.getByLabelText("The compiler's log").textContent).toBe('[INFO] generating C code\n[INFO] compiling');

    await act(async () => up.resolve(ok(progress('SUCCESS', ['[INFO] generating C code', '[INFO] compiling', '[INFO] done'], { exit_code: 0 }))));
    expect(screen.getByText(/Compile:/).querySelector('.badge')?.textContent).toBe('SUCCESS');
    expect(screen.getByRole('status').textContent).toBe('The program compiled; the PLC runs it now.');
    expect(done).toBe(1);
  });

  it('shows a failed compile as FAILED with the compiler’s log in a scrollable block', async () => {
    const f = new BrowserTransport();
    renderWithApp(<ProgramUpload name="plc1" onDone={() => undefined} />, f);
    choose(bundle());
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Upload and compile' }));
    await waitFor(() => expect(f.uploads).toHaveLength(1));
    const log = ['[INFO] compiling', "main.st:12: error: 'Counter' undeclared"];
    await act(async () => f.uploads[0]!.resolve(ok(progress('FAILED', log, { exit_code: 1 }))));
    expect(screen.getByText(/Compile:/).textContent).toContain('FAILED');
    expect(screen.getByText(/Compile:/).textContent).toContain('exit code 1');
    const pre = screen.getByLabelText("The compiler's log (failed)");
    expect(pre.tagName).toBe('PRE');
    expect(pre.className).toBe('log');
    expect(pre.getAttribute('tabindex')).toBe('0');
    expect(pre.textContent).toBe(log.join('\n'));
    expect(screen.getByRole('alert').textContent).toMatch(/^The compile FAILED/);
  });

  it('refuses what is not a .zip before asking, and puts an upload refusal under the file', async () => {
    const f = new BrowserTransport();
    renderWithApp(<ProgramUpload name="plc1" onDone={() => undefined} />, f);
    choose(bundle('image.tar'));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('alert').textContent).toBe('a program bundle is a .zip file from the editor');
    choose(bundle());
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Upload and compile' }));
    await waitFor(() => expect(f.uploads).toHaveLength(1));
    await act(async () => f.uploads[0]!.resolve({ ok: false, error: { code: 'CONFLICT', message: 'a compile is already running' } }));
    expect(screen.getByRole('alert').textContent).toBe('a compile is already running');
  });

  it('ends on the last compile event when the answer outlived the call deadline', async () => {
    const f = new FakeTransport({});
    f.handle('plc:upload', () => ({ ok: false, error: { code: 'TIMEOUT', message: 'no answer in time' } }));
    renderWithApp(<ProgramUpload name="plc1" onDone={() => undefined} />, f);
    fireEvent.change(screen.getByLabelText('Program bundle (.zip) on this PC'), { target: { value: '/home/me/program.zip' } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload program' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Upload and compile' }));
    await waitFor(() => expect(f.callsTo('plc:upload')).toEqual([{ name: 'plc1', path: '/home/me/program.zip', confirm: true }]));
    expect(screen.getByRole('button', { name: 'Compiling…' })).toBeTruthy();
    act(() => f.emit('plc:compile', progress('SUCCESS', ['[INFO] done'], { exit_code: 0 })));
    expect(screen.getByRole('status').textContent).toBe('The program compiled; the PLC runs it now.');
    expect(screen.getByRole('button', { name: 'Upload program' })).toBeTruthy();
  });
});

describe('a compile already going on', () => {
  it('is followed to its end when the page opens during it', async () => {
    const f = new FakeTransport({ 'plc:compile-status': () => ok(progress('COMPILING', ['[INFO] compiling'])) });
    let done = 0;
    renderWithApp(<ProgramUpload name="plc1" onDone={() => done++} />, f);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Compiling…' })).toBeTruthy());
    expect(screen.getByLabelText("The compiler's log").textContent).toBe('[INFO] compiling');
    act(() => f.emit('plc:compile', progress('FAILED', ['[INFO] compiling', 'error: x'], { exit_code: 2 })));
    expect(screen.getByLabelText("The compiler's log (failed)").textContent).toBe('[INFO] compiling\nerror: x');
    expect(screen.getByRole('alert').textContent).toMatch(/^The compile FAILED/);
    expect(screen.getByRole('button', { name: 'Upload program' })).toBeTruthy();
    expect(done).toBe(1);
  });

  it('is not shown again once it ended', async () => {
    const f = new FakeTransport({ 'plc:compile-status': () => ok(progress('FAILED', ['old error'], { exit_code: 1 })) });
    renderWithApp(<ProgramUpload name="plc1" onDone={() => undefined} />, f);
    await waitFor(() => expect(f.callsTo('plc:compile-status')).toEqual([{ name: 'plc1' }]));
    expect(screen.queryByText(/Compile:/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Upload program' })).toBeTruthy();
  });
});

describe('uploading a program from the desktop client', () => {
  it('sends the path of a file on this PC after the confirm', async () => {
    const f = new FakeTransport({ 'plc:upload': () => ok(progress('SUCCESS', ['ok'], { exit_code: 0 })) });
    renderWithApp(<ProgramUpload name="plc1" onDone={() => undefined} />, f);
    expect(screen.queryByLabelText('Program bundle (.zip)')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Upload program' }));
    expect(screen.getByRole('alert').textContent).toBe('give the path of the program bundle (.zip)');
    fireEvent.change(screen.getByLabelText('Program bundle (.zip) on this PC'), { target: { value: ' /media/usb/line2.zip ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload program' }));
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(f.callsTo('plc:upload')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Upload program' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Upload and compile' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('The program compiled; the PLC runs it now.'));
    expect(f.callsTo('plc:upload')).toEqual([{ name: 'plc1', path: '/media/usb/line2.zip', confirm: true }]);
  });
});

describe('the program XMLHttpRequest uploader', () => {
  it('posts the zip to the program path with the token, file name and vPLC headers and reads the envelope', async () => {
    const file = bundle('line 2.zip');
    const sent: Array<[number, number]> = [];
    const done = xhrProgramUpload('http://127.0.0.1:8470', () => 'f'.repeat(64), () => new FakeXhr() as unknown as XMLHttpRequest)(file, { name: 'plc1', onProgress: (s, t) => sent.push([s, t]) });
    const xhr = FakeXhr.last!;
    expect(xhr.opened).toEqual(['POST', `http://127.0.0.1:8470${PROGRAM_UPLOAD.path}`]);
    expect(xhr.headers).toEqual({ [PROGRAM_UPLOAD.tokenHeader]: 'f'.repeat(64), [PROGRAM_UPLOAD.nameHeader]: 'line%202.zip', [PROGRAM_UPLOAD.vplcHeader]: 'plc1' });
    expect(xhr.sent).toBe(file);
    xhr.upload.onprogress?.({ loaded: 10, total: 0, lengthComputable: false });
    expect(sent).toEqual([[10, 30_000]]);
    xhr.status = 409;
    xhr.responseText = 'a compile is already running\n';
    xhr.onload?.();
    expect(await done).toEqual({ ok: false, error: { code: 'CONFLICT', message: 'a compile is already running' } });
  });
});
