import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { PlcView } from '../../../shared/domain/plc';
import { Api } from '../../../renderer/src/api/client';
import { PlcCard } from '../../../renderer/src/features/plc/PlcCard';
import { createAppStore } from '../../../renderer/src/store/app';
import { AppProvider } from '../../../renderer/src/store/context';
import { notConnected, plcView } from './agent-answers';
import { FakeTransport } from './fake-transport';

const stat = (min: number, avg: number, max: number) => ({ min, avg, max });
/** A task with figures as wide as they get: ms-range maxima and large counters. */
const task = (name: string) => ({ name, scan_time: stat(12, 15.5, 48_000), cycle_time: stat(9_800, 10_000, 104_000), cycle_latency: stat(3, 2_210, 92_350), overruns: 123_456, scan_count: 987_654_321 });

function card(plc: PlcView): string {
  const api = new Api(new FakeTransport());
  return renderToStaticMarkup(createElement(AppProvider, { api, store: createAppStore(api), children: createElement(PlcCard, { name: 'packaging-line-2-plc', plc, onChanged: () => undefined }) }));
}

/** The PLC card's first render, as a browser lays it out (test/e2e/plc-card-layout.e2e.test.ts): faulted with two tasks, and without credentials. */
export function plcCardMarkup(): { connected: string; without: string } {
  return {
    connected: card(plcView({ tasks: [task('main'), task('a_much_longer_task_name')], realtime: false, status: 'ERROR', fault_since: '2026-12-05T04:59:00.000Z' })),
    without: card(notConnected()),
  };
}
