import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../../../../../electron/core/metrics-http/format.js';
import { collectorOver as collector } from '../../../../support/vplc-metrics.js';

const vplc = (name: string, health?: string) => ({ name, state: 'running', running: true, ...(health ? { health } : {}), cpuPercent: null, memoryBytes: null, restartsInWindow: 0 });

describe('/metrics vPLC health', () => {
  it('exposes one health state set per vPLC: 1 for the derived health, 0 for the others', async () => {
    const text = renderMetrics((await collector([vplc('ok', 'running'), vplc('lan', 'degraded')]).snapshot()).metrics);
    expect(text).toContain('vplc_orchestrator_vplc_health{vplc="ok",health="running"} 1');
    expect(text).toContain('vplc_orchestrator_vplc_health{vplc="ok",health="degraded"} 0');
    expect(text).toContain('vplc_orchestrator_vplc_health{vplc="lan",health="degraded"} 1');
    expect(text).toContain('vplc_orchestrator_vplc_health{vplc="lan",health="running"} 0');
  });

  it('leaves the family out for an agent that does not report health, and refuses a health it does not know', async () => {
    expect(renderMetrics((await collector([vplc('old')]).snapshot()).metrics)).not.toContain('vplc_orchestrator_vplc_health');
    expect(renderMetrics((await collector([vplc('x', 'exited')]).snapshot()).metrics)).not.toContain('vplc_orchestrator_vplc_running');
  });
});
