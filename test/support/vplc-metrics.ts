import { MetricsCollector } from '../../electron/core/metrics-http/collect.js';
import { renderMetrics } from '../../electron/core/metrics-http/format.js';

type VplcSource = unknown[] | (() => Promise<unknown[]>);

/** A metrics collector whose orchestrator answers `metrics.vplcs` from `vplcs` (a list, or a real orchestrator's). */
export function collectorOver(vplcs: VplcSource): MetricsCollector {
  return new MetricsCollector({
    version: '0.0.0-test',
    mode: 'own',
    workers: () => [],
    cloud: () => 'disabled',
    ask: (op) => (op === 'agent.info' ? Promise.resolve({ installationId: 'i', warnings: [] }) : op === 'metrics.vplcs' ? (typeof vplcs === 'function' ? vplcs() : Promise.resolve(vplcs)) : Promise.resolve(null)),
    latestHostSample: () => null,
    certDaysLeft: () => Promise.resolve(null),
  });
}

/** The Prometheus text of one scrape over these vPLCs. */
export async function scrapeVplcs(vplcs: VplcSource): Promise<string> {
  return renderMetrics((await collectorOver(vplcs).snapshot()).metrics);
}
