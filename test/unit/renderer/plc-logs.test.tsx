// The runtime's own log on a vPLC's page: newest at the bottom, one level or all (asked of the agent), more on request.
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { PlcLogs } from '../../../renderer/src/features/plc/PlcLogs';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

const line = (id: number, level: string, message: string) => ({ id, level, message, timestamp: `2026-12-04T18:28:${String(id).padStart(2, '0')}+0000` });
const all = [line(3, 'INFO', 'PLC started'), line(11, 'ERROR', 'Failed to load Python module'), line(12, 'DEBUG', 'tick')];

describe('the runtime log', () => {
  it('asks the agent for the chosen level and shows only what it answers, newest last', async () => {
    const f = new FakeTransport({ 'plc:logs': (input) => ok((input as { level?: string }).level ? all.filter((l) => l.level === (input as { level: string }).level) : [all[2]!, all[0]!, all[1]!]) });
    renderWithApp(<PlcLogs name="plc1" />, f);
    const pre = await screen.findByLabelText('Runtime log of plc1');
    expect(pre.textContent?.split('\n').map((l) => l.split(/\s+/)[1])).toEqual(['INFO', 'ERROR', 'DEBUG']);
    expect(f.callsTo('plc:logs')[0]).toEqual({ name: 'plc1', limit: 200 });

    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'ERROR' } });
    await waitFor(() => expect(screen.getByLabelText('Runtime log of plc1').textContent).toBe('2026-12-04T18:28:11+0000 ERROR    Failed to load Python module'));
    expect(f.callsTo('plc:logs').at(-1)).toEqual({ name: 'plc1', limit: 200, level: 'ERROR' });
    expect([...(screen.getByLabelText('Level') as HTMLSelectElement).options].map((o) => o.value)).toEqual(['', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);

    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'WARNING' } });
    await waitFor(() => expect(screen.getByText('No WARNING lines in the runtime\'s log.')).toBeTruthy());
  });

  it('offers more of the past only when the answer filled the limit', async () => {
    const many = Array.from({ length: 200 }, (_, i) => line(i + 1, 'INFO', `line ${i + 1}`));
    const f = new FakeTransport({ 'plc:logs': (input) => ok((input as { limit: number }).limit > 200 ? [...many, line(201, 'INFO', 'line 201')] : many) });
    renderWithApp(<PlcLogs name="plc1" />, f);
    await screen.findByLabelText('Runtime log of plc1');
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(f.callsTo('plc:logs').at(-1)).toEqual({ name: 'plc1', limit: 400 }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull());
    expect(screen.getByLabelText('Runtime log of plc1').textContent?.endsWith('line 201')).toBe(true);
  });
});
