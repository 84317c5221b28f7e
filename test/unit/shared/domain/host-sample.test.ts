import { describe, expect, it } from 'vitest';
import { HeartbeatPayload } from '../../../../shared/cloud/heartbeat.js';
import { HostMetrics, HostSample } from '../../../../shared/domain/host-sample.js';
import { HeartbeatBuilder } from '../../../../electron/workers/cloudlink/heartbeat.js';
import { HostMetricsReader } from '../../../../electron/workers/orchestrator/metrics/host.js';
import { events } from '../../../../shared/api/contract.js';
import { OrchestratorEvents } from '../../../../electron/lib/protocol/orchestrator-ops.js';

describe('the host sample', () => {
  it('is a real reading of this host, and the same object on the worker bus and to the UI', async () => {
    const reader = new HostMetricsReader();
    try {
      await reader.read();
      const { metrics } = await reader.read();
      const { memoryUsedBytes: _raw, ...shared } = metrics;
      const sample = HostSample.parse({ ts: Math.floor(Date.now() / 1000), ...shared });
      expect(sample.memory_total).toBeGreaterThan(0);
      expect(sample.disk_total).toBeGreaterThan(0);
      expect(sample.memory_usage).toBeGreaterThan(0);
      expect(OrchestratorEvents['metrics.sample'].parse(sample)).toEqual(sample);
      expect(events['metrics:sample'].parse(sample)).toEqual(sample);
    } finally {
      await reader.close();
    }
  });

  it('without its time is exactly what the heartbeat carries, in the heartbeat key order', async () => {
    const reader = new HostMetricsReader();
    try {
      const { metrics } = await reader.read();
      const latest = HostMetrics.parse(metrics);
      const beat = new HeartbeatBuilder({ latest: () => latest, uptimeSeconds: () => 12 }).build('agent-1', Date.UTC(2026, 11, 4));
      expect(HeartbeatPayload.parse(beat)).toEqual(beat);
      expect(Object.keys(beat).slice(1, 6)).toEqual(Object.keys(HostMetrics.shape));
      expect({ cpu_usage: beat.cpu_usage, memory_usage: beat.memory_usage, memory_total: beat.memory_total, disk_usage: beat.disk_usage, disk_total: beat.disk_total }).toEqual(latest);
    } finally {
      await reader.close();
    }
  });

  it('has whole seconds for its time', () => {
    expect(HostSample.safeParse({ ts: 1.5, cpu_usage: 0, memory_usage: 0, memory_total: 0, disk_usage: 0, disk_total: 0 }).success).toBe(false);
  });
});
