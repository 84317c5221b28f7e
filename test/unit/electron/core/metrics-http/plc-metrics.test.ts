import { describe, expect, it } from 'vitest';
import type { PlcView } from '../../../../../shared/domain/plc.js';
import { scrapeVplcs as scrape } from '../../../../support/vplc-metrics.js';

const task = { name: 'TASK0', scan_time: { min: 3, avg: 7, max: 56 }, cycle_time: { min: 7237, avg: 6330, max: 12751 }, cycle_latency: { min: 28, avg: 87, max: 2798 }, overruns: 2, scan_count: 201 };
const view = (over: Partial<PlcView> = {}): PlcView => ({
  connection: 'connected',
  username: 'op',
  status: 'RUNNING',
  program_loaded: true,
  tasks: [task],
  fault_since: null,
  realtime: true,
  checked_at: '2026-12-05T06:00:00.000Z',
  error: null,
  change_rule: 'plc-aware',
  change_rule_reason: 'held',
  ...over,
});
const vplc = (name: string, plc: PlcView | null) => ({ name, state: 'running', running: true, health: 'running', cpuPercent: null, memoryBytes: null, restartsInWindow: 0, plc });

describe('/metrics PLC families', () => {
  it('exposes up, a one-hot status and per-task figures in seconds, with HELP and TYPE', async () => {
    const text = await scrape([vplc('a', view()), vplc('b', view({ connection: 'unreachable', status: 'STOPPED', tasks: [] }))]);
    expect(text).toContain('# TYPE vplc_plc_up gauge');
    expect(text).toContain('vplc_plc_up{vplc="a"} 1');
    expect(text).toContain('vplc_plc_up{vplc="b"} 0');
    expect(text).toContain('vplc_plc_status{vplc="a",status="RUNNING"} 1');
    expect(text).toContain('vplc_plc_status{vplc="a",status="ERROR"} 0');
    expect(text).toContain('vplc_plc_status{vplc="b",status="STOPPED"} 1');
    expect(text).toContain('# HELP vplc_plc_scan_time_avg_seconds ');
    expect(text).toContain('vplc_plc_scan_time_avg_seconds{vplc="a",task="TASK0"} 0.000007');
    expect(text).toContain('vplc_plc_cycle_time_max_seconds{vplc="a",task="TASK0"} 0.012751');
    expect(text).toContain('vplc_plc_cycle_latency_max_seconds{vplc="a",task="TASK0"} 0.002798');
    expect(text).toContain('# TYPE vplc_plc_overruns_total counter');
    expect(text).toContain('vplc_plc_overruns_total{vplc="a",task="TASK0"} 2');
    expect(text).toContain('vplc_plc_scan_count_total{vplc="a",task="TASK0"} 201');
    expect(text).not.toMatch(/vplc_plc_\w+\{vplc="b",task=/);
  });

  it('leaves out vPLCs without credentials, and every PLC family when none has them', async () => {
    const text = await scrape([vplc('a', view({ connection: 'not_connected', status: null, tasks: [] })), vplc('old', null)]);
    expect(text).not.toContain('vplc_plc_');
    expect(text).toContain('vplc_orchestrator_vplc_running{vplc="a",state="running"} 1');
  });
});
