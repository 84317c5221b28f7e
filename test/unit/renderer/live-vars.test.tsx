// The live variables view of a vPLC (docs/debug.md "Live variables"): reads only while open and not paused, at the
// chosen rate, names from the map, force with a checked value after a confirmation, release, and the states that show
// no values (another program's map, no credentials, no map). Time is fake: reads are counted per scheduled step.
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DebugMapView, LiveRead, LiveVariable } from '../../../shared/debug/live';
import { LiveVariables } from '../../../renderer/src/features/livevars/LiveVariables';
import { liveSettings } from '../../../renderer/src/features/livevars/settings';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

const LEAVES = [
  { path: 'INSTANCE0.COUNTER', type: 'INT', size: 2 },
  { path: 'INSTANCE0.LAMP', type: 'BOOL', size: 1 },
  { path: 'INSTANCE0.T1.PT', type: 'TIME', size: 8 },
];
const MD5 = 'bad85d4c2071cad1ba5403257d892067';
const mapView = (withMap = true): DebugMapView => ({
  name: 'plc1',
  map: withMap ? { source: 'upload', source_name: 'blink.zip', saved_at: '2026-12-05T12:00:00.000Z', md5: MD5, leaves: LEAVES } : null,
  runtime_md5: MD5,
  md5_ok: withMap ? true : null,
  check_error: null,
});

/** A runtime in the fake: COUNTER counts reads, LAMP and forcing as the agent reports them. */
function fakeAgent(over: Record<string, (input: unknown) => unknown> = {}) {
  let counter = 4919;
  const forced = new Map<string, string>();
  const read = (input: unknown): LiveRead => {
    counter += 1;
    const paths = (input as { paths?: string[] }).paths ?? LEAVES.map((l) => l.path);
    const value = (p: string): LiveVariable['value'] => (forced.has(p) ? Number(forced.get(p)) : p.endsWith('COUNTER') ? counter : p.endsWith('LAMP') ? false : 'T#500ms');
    return { status: 'ok', message: null, tick: counter, md5_ok: true, variables: paths.map((p) => ({ path: p, type: LEAVES.find((l) => l.path === p)?.type ?? 'INT', value: value(p), forced: forced.has(p) })) };
  };
  const f = new FakeTransport({
    'plc:debug-map': () => ok(mapView()),
    'plc:live-read': (i) => ok(read(i)),
    'plc:live-set': (i) => {
      const { path, force, value } = i as { path: string; force: boolean; value?: string };
      if (force) forced.set(path, String(value));
      else forced.delete(path);
      return ok({ path, forced: force, value: force ? Number(value) : null, message: force ? `${path} is forced to ${String(value)}` : `${path} is released` });
    },
    ...Object.fromEntries(Object.entries(over).map(([k, h]) => [k, (i: unknown) => ok(h(i) as never)])),
  });
  return f;
}

const step = (ms: number): Promise<void> =>
  act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
const reads = (f: FakeTransport): number => f.callsTo('plc:live-read').length;
const row = (path: string): HTMLElement => screen.getByRole('row', { name: new RegExp(path.replace(/\./g, '\\.')) });

async function openView(f: FakeTransport): Promise<void> {
  renderWithApp(<LiveVariables name="plc1" />, f);
  await step(0);
  fireEvent.click(screen.getByRole('button', { name: 'Open live view' }));
  await step(0);
}

beforeEach(() => {
  vi.useFakeTimers();
  sessionStorage.clear();
  liveSettings.setState({ hz: 4, filter: '' });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('live variables', () => {
  it('asks nothing while closed; open, it shows the map\'s names, types and values that move; closed again, it stops', async () => {
    const f = fakeAgent();
    renderWithApp(<LiveVariables name="plc1" />, f);
    await step(5_000);
    expect(f.calls).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Open live view' }));
    await step(0);
    expect(f.callsTo('plc:live-read')[0]).toEqual({ name: 'plc1', paths: LEAVES.map((l) => l.path) });
    expect(within(row('INSTANCE0.COUNTER')).getAllByRole('cell').map((c) => c.textContent)).toEqual(['INT', '4920', '', 'Force…']);
    expect(within(row('INSTANCE0.T1.PT')).getByText('T#500ms')).toBeTruthy();
    expect(within(row('INSTANCE0.LAMP')).getByText('FALSE')).toBeTruthy();
    // 4 Hz by default: the next read 250 ms after the answer, with the new value shown.
    await step(250);
    expect(reads(f)).toBe(2);
    expect(within(row('INSTANCE0.COUNTER')).getByText('4921')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Close live view' }));
    const before = reads(f);
    await step(5_000);
    expect(reads(f)).toBe(before);
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('pauses and resumes, and reads at the chosen rate (2-10 Hz)', async () => {
    const f = fakeAgent();
    await openView(f);
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    const paused = reads(f);
    await step(3_000);
    expect(reads(f)).toBe(paused);
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await step(0);
    expect(reads(f)).toBe(paused + 1);
    const rate = screen.getByLabelText('Refresh rate') as HTMLSelectElement;
    expect([...rate.options].map((o) => o.value)).toEqual(['2', '3', '4', '5', '6', '7', '8', '9', '10']);
    fireEvent.change(rate, { target: { value: '10' } });
    await step(0);
    const at10 = reads(f);
    await step(100);
    expect(reads(f)).toBe(at10 + 1);
    fireEvent.change(rate, { target: { value: '2' } });
    await step(0);
    const at2 = reads(f);
    await step(499);
    expect(reads(f)).toBe(at2);
    await step(1);
    expect(reads(f)).toBe(at2 + 1);
  });

  it('narrows the rows and the variables read with the filter', async () => {
    const f = fakeAgent();
    await openView(f);
    fireEvent.change(screen.getByLabelText('Filter'), { target: { value: 'lamp' } });
    await step(0);
    expect(f.callsTo('plc:live-read').at(-1)).toEqual({ name: 'plc1', paths: ['INSTANCE0.LAMP'] });
    expect(screen.getAllByRole('row')).toHaveLength(2);
    fireEvent.change(screen.getByLabelText('Filter'), { target: { value: 'nothing like it' } });
    await step(0);
    expect(screen.getByText('No variable matches the filter.')).toBeTruthy();
  });

  it('forces after a checked value and a confirmation, marks the variable forced, and releases it', async () => {
    const f = fakeAgent();
    await openView(f);
    fireEvent.click(screen.getByRole('button', { name: 'Force INSTANCE0.COUNTER' }));
    const dialog = screen.getByRole('dialog', { name: 'Force INSTANCE0.COUNTER?' });
    const value = within(dialog).getByLabelText('Value (INT)');
    fireEvent.change(value, { target: { value: '40000' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Force' }));
    await step(0);
    expect(within(dialog).getByRole('alert').textContent).toBe('40000 is out of range for INT (-32768 to 32767)');
    expect(f.callsTo('plc:live-set')).toEqual([]);
    fireEvent.change(value, { target: { value: '12345' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Force' }));
    await step(0);
    expect(f.callsTo('plc:live-set')).toEqual([{ name: 'plc1', path: 'INSTANCE0.COUNTER', force: true, value: '12345', confirm: true }]);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('status').textContent).toBe('INSTANCE0.COUNTER is forced to 12345');
    await step(250);
    expect(within(row('INSTANCE0.COUNTER')).getAllByRole('cell').map((c) => c.textContent)).toEqual(['INT', '12345', 'forced', 'Force…Release']);
    fireEvent.click(screen.getByRole('button', { name: 'Release INSTANCE0.COUNTER' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Release INSTANCE0.COUNTER?' })).getByRole('button', { name: 'Release' }));
    await step(250);
    expect(f.callsTo('plc:live-set').at(-1)).toEqual({ name: 'plc1', path: 'INSTANCE0.COUNTER', force: false, confirm: true });
    expect(within(row('INSTANCE0.COUNTER')).queryByText('forced')).toBeNull();
  });

  it('shows the agent\'s refusal of a value on the value field', async () => {
    const f = fakeAgent();
    f.handle('plc:live-set', () => ({ ok: false, error: { code: 'CONFLICT', message: 'the map belongs to another program than the one loaded in the runtime' } }));
    await openView(f);
    fireEvent.click(screen.getByRole('button', { name: 'Force INSTANCE0.LAMP' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Value (BOOL)'), { target: { value: 'TRUE' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Force' }));
    await step(0);
    expect(within(dialog).getByRole('alert').textContent).toMatch(/belongs to another program/);
  });

  it('drops the values shown when a read fails, and shows them again when one answers', async () => {
    const f = fakeAgent();
    await openView(f);
    expect(within(row('INSTANCE0.COUNTER')).getByText('4920')).toBeTruthy();
    const good = f.callsTo('plc:live-read').length;
    f.handle('plc:live-read', () => ({ ok: false, error: { code: 'CONFLICT', message: 'the runtime returned 13 bytes for 3 variables where the map expects 11' } }));
    await step(250);
    expect(reads(f)).toBe(good + 1);
    expect(screen.getByRole('alert').textContent).toMatch(/returned 13 bytes/);
    expect(within(row('INSTANCE0.COUNTER')).getAllByRole('cell')[1]?.textContent).toBe('…');
    f.handle('plc:live-read', () => ok({ status: 'ok', message: null, tick: 7, md5_ok: true, variables: LEAVES.map((l) => ({ path: l.path, type: l.type, value: 7, forced: false })) }));
    await step(250);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(within(row('INSTANCE0.COUNTER')).getByText('7')).toBeTruthy();
  });

  it('never asks twice at once: filter changes while a read is unanswered wait for it, then read the newest names', async () => {
    const f = fakeAgent();
    const runtime = fakeAgent();
    const held: Array<() => void> = [];
    f.handle('plc:live-read', (i) => new Promise((resolve) => held.push(() => void runtime.invoke('plc:live-read', i).then(resolve))));
    await openView(f);
    expect(reads(f)).toBe(1);
    fireEvent.change(screen.getByLabelText('Filter'), { target: { value: 'count' } });
    await step(0);
    fireEvent.change(screen.getByLabelText('Filter'), { target: { value: 'lamp' } });
    await step(1_000);
    expect(reads(f)).toBe(1);
    held.shift()?.();
    await step(0);
    expect(f.callsTo('plc:live-read')).toEqual([
      { name: 'plc1', paths: LEAVES.map((l) => l.path) },
      { name: 'plc1', paths: ['INSTANCE0.LAMP'] },
    ]);
    held.shift()?.();
    await step(0);
    expect(within(row('INSTANCE0.LAMP')).getByText('FALSE')).toBeTruthy();
    // Closed while a read is unanswered: its answer schedules nothing.
    await step(250);
    expect(reads(f)).toBe(3);
    fireEvent.click(screen.getByRole('button', { name: 'Close live view' }));
    held.shift()?.();
    await step(5_000);
    expect(reads(f)).toBe(3);
  });

  it('shows a read that failed in transit and keeps reading; paused, it stops', async () => {
    const f = fakeAgent();
    const runtime = fakeAgent();
    await openView(f);
    f.handle('plc:live-read', () => Promise.reject(new Error('the link to the agent was lost')));
    await step(250);
    expect(reads(f)).toBe(2);
    expect(screen.getByRole('alert').textContent).toBe('the live read failed: the link to the agent was lost');
    await step(250);
    expect(reads(f)).toBe(3);
    f.handle('plc:live-read', (i) => runtime.invoke('plc:live-read', i));
    await step(250);
    expect(reads(f)).toBe(4);
    expect(screen.queryByRole('alert')).toBeNull();
    f.handle('plc:live-read', () => Promise.reject(new Error('the link to the agent was lost')));
    await step(250);
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    const paused = reads(f);
    await step(5_000);
    expect(reads(f)).toBe(paused);
  });

  it('shows no values against the map of another program', async () => {
    const f = fakeAgent({ 'plc:live-read': () => ({ status: 'md5_mismatch', message: 'load the map of the running program', tick: null, md5_ok: false, variables: [] }) });
    await openView(f);
    expect(screen.getByRole('alert').textContent).toBe('The map belongs to another program: load the map of the running program No values are shown against its names.');
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('says to store the credentials first', async () => {
    const f = fakeAgent({ 'plc:live-read': () => ({ status: 'no_credentials', message: 'store the runtime credentials of plc1 first', tick: null, md5_ok: null, variables: [] }) });
    await openView(f);
    expect(screen.getByRole('alert').textContent).toBe('store the runtime credentials of plc1 first');
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('without a map, reads nothing and offers to load one from a file', async () => {
    const f = fakeAgent({ 'plc:debug-map': () => mapView(false), 'plc:debug-map-load': () => mapView(true) });
    await openView(f);
    await step(2_000);
    expect(reads(f)).toBe(0);
    expect(screen.getByText(/No variable map for plc1/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Load map' }));
    await step(0);
    expect(screen.getByRole('alert').textContent).toMatch(/give the path/);
    // The agent, not the window, opens the file; as the service it cannot see /home (ProtectHome) or the user's /tmp.
    expect(screen.getByPlaceholderText('/srv/plc/blink/debug-map.json')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Variable map file on this PC'), { target: { value: '/srv/plc/debug-map.json' } });
    fireEvent.click(screen.getByRole('button', { name: 'Load map' }));
    await step(0);
    expect(f.callsTo('plc:debug-map-load')).toEqual([{ name: 'plc1', path: '/srv/plc/debug-map.json' }]);
    expect(screen.getByRole('status').textContent).toBe('Variable map loaded: 3 variables.');
    expect(reads(f)).toBe(1);
    expect(row('INSTANCE0.COUNTER')).toBeTruthy();
  });
});
