// The Logs page: a line names its vPLC, operation and error beside the message and expands to its full structured
// record; the level and search filters are still set after leaving the page and coming back.
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { logFilters } from '../../../renderer/src/features/logs/filters';
import { filterLogs, Logs } from '../../../renderer/src/features/logs/Logs';
import type { LogLine } from '../../../renderer/src/store/app';
import { renderWithApp } from './render';

afterEach(() => {
  cleanup();
  logFilters.setState({ level: 'info', search: '' });
  sessionStorage.clear();
});

const failed: LogLine = {
  ts: '2026-12-04T18:23:01.250Z',
  level: 'warn',
  scope: 'orchestrator',
  msg: 'create failed; rolling back',
  data: { vplc: 'plc-line-3', op: 'op-7f3a', err: 'MAC 02:42:c6:12:00:05 is already used on eth1', cleanup: { networks: 2 } },
};
const lines: LogLine[] = [
  { ts: '2026-12-04T18:22:59.000Z', level: 'debug', scope: 'orchestrator', msg: 'tick' },
  { ts: '2026-12-04T18:23:00.000Z', level: 'info', scope: 'orchestrator', msg: 'vPLC started', data: { vplc: 'plc-line-1', requestedBy: 'ui' } },
  failed,
];

function show(): ReturnType<typeof renderWithApp> {
  const r = renderWithApp(<Logs />);
  act(() => r.store.setState({ logs: lines }));
  return r;
}

describe('the Logs page', () => {
  it('names the vPLC, the operation and the error beside the message', () => {
    show();
    const row = screen.getByText('create failed; rolling back').closest('tr') as HTMLElement;
    expect(row.textContent).toContain('vplc: plc-line-3');
    expect(row.textContent).toContain('op: op-7f3a');
    expect(row.textContent).toContain('err: MAC 02:42:c6:12:00:05 is already used on eth1');
  });

  it('expands a line to its full structured record and folds it again', () => {
    show();
    const toggle = screen.getByRole('button', { name: 'Show the full record of create failed; rolling back' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByLabelText('Full record of create failed; rolling back')).toBeNull();
    fireEvent.click(toggle);
    const record = screen.getByLabelText('Full record of create failed; rolling back');
    expect(JSON.parse(record.textContent ?? '')).toEqual(failed);
    expect(screen.getByRole('button', { name: 'Hide the full record of create failed; rolling back' }).getAttribute('aria-expanded')).toBe('true');
    // The other lines stay folded; a click anywhere on the expanded line folds it.
    expect(screen.queryByLabelText('Full record of vPLC started')).toBeNull();
    fireEvent.click(screen.getByText('create failed; rolling back'));
    expect(screen.queryByLabelText('Full record of create failed; rolling back')).toBeNull();
  });

  it('keeps the level and the search after leaving the page and coming back', () => {
    const first = show();
    fireEvent.change(screen.getByLabelText('Minimum level'), { target: { value: 'warn' } });
    fireEvent.change(screen.getByLabelText('Search the log'), { target: { value: 'line-3' } });
    first.unmount();

    show();
    expect((screen.getByLabelText('Minimum level') as HTMLSelectElement).value).toBe('warn');
    expect((screen.getByLabelText('Search the log') as HTMLInputElement).value).toBe('line-3');
    const table = screen.getByRole('table', { name: 'Agent log' });
    expect(within(table).getAllByRole('row').map((r) => r.textContent)).toEqual([expect.stringContaining('create failed; rolling back')]);
    // Kept for this tab (a reload reads it back).
    expect(JSON.parse(sessionStorage.getItem('vplc.logs.filters') ?? '{}')).toMatchObject({ state: { level: 'warn', search: 'line-3' } });
  });

  it('finds a line by a field of its record, not only by its message', () => {
    expect(filterLogs(lines, 'debug', 'PLC-LINE-1').map((l) => l.msg)).toEqual(['vPLC started']);
    expect(filterLogs(lines, 'debug', '02:42:c6:12:00:05').map((l) => l.msg)).toEqual(['create failed; rolling back']);
  });
});
