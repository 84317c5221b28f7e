import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../shared/api/envelope';
import { RuntimeImages } from '../../../renderer/src/features/images/RuntimeImages';
import { CreateVplc } from '../../../renderer/src/features/vplcs/CreateVplc';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

const REPO = 'ghcr.io/autonomy-logic/openplc-runtime';
const v414 = { repository: REPO, tag: '4.1.4', id: `sha256:${'a'.repeat(64)}`, size: 412_000_000, created: '2026-11-02T10:00:00.000Z', usedBy: ['press-1', 'press-2'] };
const v420 = { repository: REPO, tag: '4.2.0', id: `sha256:${'b'.repeat(64)}`, size: 420_000_000, created: '2026-12-01T10:00:00.000Z', usedBy: [] };
const FILE = '/home/eng/openplc-runtime-4.2.0.tar';

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the Runtime images section', () => {
  it('lists the local images with size, creation and the vPLCs using each', async () => {
    renderWithApp(<RuntimeImages />, new FakeTransport({ 'images:list': () => ok([v414]) }));
    const row = await screen.findByRole('row', { name: /:4\.1\.4 / });
    expect(row.textContent).toContain('412.0 MB');
    expect(row.textContent).toContain('press-1, press-2');
  });

  it('loads a file by path with a progress bar from images:progress, then shows the result and the new list', async () => {
    let listed = [v414];
    const load = deferred<Envelope<unknown>>();
    const f = new FakeTransport({ 'images:list': () => ok(listed), 'images:load': () => load.promise });
    renderWithApp(<RuntimeImages />, f);
    await screen.findByRole('row', { name: /:4\.1\.4 / });
    expect(screen.getByText(/The file must be on this PC/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Load from file…'), { target: { value: ` ${FILE} ` } });
    fireEvent.click(screen.getByRole('button', { name: 'Load' }));
    await waitFor(() => expect(f.callsTo('images:load')).toEqual([{ path: FILE }]));
    expect((screen.getByRole('button', { name: 'Loading…' }) as HTMLButtonElement).disabled).toBe(true);

    act(() => f.emit('images:progress', { file: '/some/other.tar', phase: 'loading', bytesRead: 1, totalBytes: 10, percent: 10 }));
    expect(screen.queryByRole('progressbar')).toBeNull();
    act(() => f.emit('images:progress', { file: FILE, phase: 'loading', bytesRead: 168_000_000, totalBytes: 420_000_000, percent: 40 }));
    const bar = screen.getByRole('progressbar', { name: /Loading into Docker: 40% \(168.0 MB of 420.0 MB\)/ }) as HTMLProgressElement;
    expect(bar.value).toBe(40);

    listed = [v420, v414];
    await act(async () => load.resolve(ok({ file: FILE, loaded: [`${REPO}:4.2.0`] })));
    expect((await screen.findByRole('status')).textContent).toBe(`Loaded ${REPO}:4.2.0`);
    await screen.findByRole('row', { name: /:4\.2\.0 / });
    expect(f.callsTo('images:list')).toHaveLength(2);
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('shows the agent’s refusal with its field', async () => {
    const msg = `${FILE} holds images outside the runtime repository ${REPO} (found: busybox:latest); save it as ${REPO}:<version>, or retag it before saving`;
    const f = new FakeTransport({ 'images:list': () => ok([]), 'images:load': () => ({ ok: false, error: { code: 'VALIDATION', message: msg, field: 'path' } }) });
    renderWithApp(<RuntimeImages />, f);
    expect(await screen.findByText(/No runtime image on this PC yet/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Load from file…'), { target: { value: FILE } });
    fireEvent.click(screen.getByRole('button', { name: 'Load' }));
    expect((await screen.findByRole('alert')).textContent).toBe(`path: ${msg}`);
  });
});

describe('a load that outlives the call deadline', () => {
  it('keeps following progress and ends with the agent’s done event', async () => {
    let listed: unknown[] = [];
    const f = new FakeTransport({ 'images:list': () => ok(listed), 'images:load': () => ({ ok: false, error: { code: 'TIMEOUT', message: 'images:load: no answer within 120000 ms' } }) });
    renderWithApp(<RuntimeImages />, f);
    await screen.findByText(/No runtime image on this PC yet/);
    fireEvent.change(screen.getByLabelText('Load from file…'), { target: { value: FILE } });
    fireEvent.click(screen.getByRole('button', { name: 'Load' }));
    await waitFor(() => expect(f.callsTo('images:load')).toHaveLength(1));
    act(() => f.emit('images:progress', { file: FILE, phase: 'loading', bytesRead: 378_000_000, totalBytes: 420_000_000, percent: 90 }));
    expect((screen.getByRole('progressbar') as HTMLProgressElement).value).toBe(90);
    expect(screen.queryByRole('alert')).toBeNull();
    listed = [v420];
    act(() => f.emit('images:progress', { file: FILE, phase: 'done', bytesRead: 420_000_000, totalBytes: 420_000_000, percent: 100, message: `loaded ${REPO}:4.2.0` }));
    expect((await screen.findByRole('status')).textContent).toBe(`loaded ${REPO}:4.2.0`);
    await screen.findByRole('row', { name: /:4\.2\.0 / });
  });
});

describe('the create form', () => {
  it('offers the local runtime tags for the runtime version, which stays free text', async () => {
    const f = new FakeTransport({ 'images:list': () => ok([v420, v414]), 'netmon:interfaces': () => ok([]), 'vplc:list': () => ok([]) });
    const { container } = renderWithApp(<CreateVplc />, f);
    await waitFor(() => expect([...container.querySelectorAll('datalist#runtime-tags option')].map((o) => o.getAttribute('value'))).toEqual(['4.2.0', '4.1.4']));
    const input = screen.getByLabelText('Runtime version') as HTMLInputElement;
    expect(input.getAttribute('list')).toBe('runtime-tags');
    fireEvent.change(input, { target: { value: 'nightly' } });
    expect(input.value).toBe('nightly');
  });
});
