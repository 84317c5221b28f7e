import { describe, expect, it } from 'vitest';
import { escapeLabel, renderMetrics } from '../../../../electron/core/metrics-http/format.js';
import { evaluateHealth, type HealthInputs } from '../../../../electron/core/metrics-http/health.js';

describe('Prometheus text format', () => {
  it('writes HELP and TYPE once per family, labels escaped, and leaves out families without samples', () => {
    const text = renderMetrics([
      { name: 'a_total', help: 'Line one\nline "two" \\ end', type: 'counter', samples: [{ labels: { vplc: 'p"1\\x\ny' }, value: 3 }, { labels: { vplc: 'p2' }, value: 0.5 }] },
      { name: 'empty', help: 'none', type: 'gauge', samples: [] },
      { name: 'b', help: 'plain', type: 'gauge', samples: [{ value: NaN }] },
    ]);
    expect(text).toBe(['# HELP a_total Line one\\nline "two" \\\\ end', '# TYPE a_total counter', 'a_total{vplc="p\\"1\\\\x\\ny"} 3', 'a_total{vplc="p2"} 0.5', '# HELP b plain', '# TYPE b gauge', 'b NaN', ''].join('\n'));
    expect(escapeLabel('a\\"b')).toBe('a\\\\\\"b');
  });

  it('refuses a metric or label name the format does not allow', () => {
    expect(() => renderMetrics([{ name: 'bad-name', help: '', type: 'gauge', samples: [{ value: 1 }] }])).toThrow(/invalid metric name/);
    expect(() => renderMetrics([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { '1x': 'v' }, value: 1 }] }])).toThrow(/invalid label name/);
  });
});

describe('health rules', () => {
  const base: HealthInputs = {
    workers: [{ name: 'netmon', state: 'running' }, { name: 'orchestrator', state: 'running' }, { name: 'cloudlink', state: 'running' }],
    orchestratorAnswers: true,
    dockerAnswers: true,
    warnings: [],
    cloud: 'connected',
    certDaysLeft: 200,
  };

  it('is ok when everything answers, whatever the cloud says', () => {
    expect(evaluateHealth(base).status).toBe('ok');
    expect(evaluateHealth({ ...base, cloud: 'offline' })).toMatchObject({ status: 'ok', checks: { cloud: { status: 'info', detail: 'offline' } } });
  });

  it('is degraded on host warnings, a worker in backoff or a certificate about to expire', () => {
    expect(evaluateHealth({ ...base, warnings: ['Docker live-restore is off'] }).status).toBe('degraded');
    expect(evaluateHealth({ ...base, workers: [...base.workers.slice(0, 2), { name: 'cloudlink', state: 'backoff' }] }).status).toBe('degraded');
    expect(evaluateHealth({ ...base, certDaysLeft: 3.5 })).toMatchObject({ status: 'degraded', checks: { certificate: { detail: 'the client certificate expires in 3 days' } } });
  });

  it('is down when the orchestrator or Docker does not answer', () => {
    expect(evaluateHealth({ ...base, dockerAnswers: false }).status).toBe('down');
    expect(evaluateHealth({ ...base, orchestratorAnswers: false }).status).toBe('down');
    expect(evaluateHealth({ ...base, workers: [{ name: 'orchestrator', state: 'failed' }] }).status).toBe('down');
  });
});
