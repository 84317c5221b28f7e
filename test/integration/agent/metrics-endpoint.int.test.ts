// /metrics and /health of a real headless agent (no cloud) with one vPLC: every line of the scrape parses as the
// Prometheus text format, the worker, host, Docker and per-vPLC families are there with sane values, /health answers
// with its schema and does not depend on the cloud; the endpoint refuses a foreign Host and a POST, and `--no-metrics`
// leaves nothing listening. Runtime: about 15-25 s.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { docker, removeByLabels, STANDIN_REPO } from '../../support/docker.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-metrics-'));
const name = `vt-${run}-met`;
let agent: AgentProcess;
let port = 0;
let installation = '';

const get = (p: string, opts: { method?: string; host?: string } = {}): Promise<{ status: number; body: string; type: string }> =>
  new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: { host: opts.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });

type Sample = { name: string; labels: Record<string, string>; value: number };
/** A strict reader of the text format: every line is a HELP, a TYPE or a sample of a family declared before it. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.trimEnd().split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line))) helps.add(m[1] as string);
    else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter)$/.exec(line))) types.set(m[1] as string, m[2] as string);
    else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line))) {
      const family = m[1] as string;
      if (!types.has(family) || !helps.has(family)) throw new Error(`sample before its HELP/TYPE: ${line}`);
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1] as string, l[2] as string]));
      samples.push({ name: family, labels, value: Number(m[3]) });
    } else throw new Error(`not the Prometheus text format: ${line}`);
  }
  return { samples, types };
}
const Health = z.object({ status: z.enum(['ok', 'degraded', 'down']), checks: z.record(z.string(), z.object({ status: z.enum(['ok', 'warn', 'fail', 'info']), detail: z.string() })) });

beforeAll(async () => {
  agent = spawnAgent(
    ['--no-cloud', '--ui-port', '0', '--metrics-port', '0', '--data-dir', path.join(dir, 'data'), '--lock-name', `vt-${run}-metrics`, '--internal-pool', '198.19.93.0/24', '--runtime-image', STANDIN_REPO],
    { VPLC_TOKEN_FILE: path.join(dir, 'token'), XDG_CONFIG_HOME: path.join(dir, 'config') },
  );
  const ready = await agent.ready;
  port = ready.metricsPort ?? 0;
  expect(port).toBeGreaterThan(0);
  const client = await ApiClient.connect(ready.port, ready.token);
  const status = (await client.call('agent:status', {})) as { value?: { installationId: string } };
  installation = status.value?.installationId ?? '';
  expect(await client.call('vplc:create', { name, vnics: [] })).toMatchObject({ ok: true });
  await waitFor(() => client.call('vplc:status', { name }) as Promise<{ value?: { status?: string } }>, (s) => s.value?.status === 'success', { timeoutMs: 60_000, what: 'the vPLC running' });
  client.close();
});

afterAll(async () => {
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  // By name too: CI replicas left this vPLC and its internal network behind (cause not found; the labels missed it).
  await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
  await docker.getNetwork(`${name}_internal`).remove().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('the metrics endpoint', () => {
  it('serves a scrape that parses line by line, with workers, Docker, the host and the vPLC', async () => {
    const { samples, types } = await waitFor(
      async () => parse((await get('/metrics')).body),
      (p) => p.samples.some((s) => s.name === 'vplc_orchestrator_host_cpu_percent') && p.samples.some((s) => s.name === 'vplc_orchestrator_vplc_memory_bytes'),
      { timeoutMs: 30_000, intervalMs: 1_000, what: 'host and vPLC samples in the scrape' },
    );
    const one = (n: string, labels: Record<string, string> = {}): number | undefined => samples.find((s) => s.name === n && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(one('vplc_orchestrator_up')).toBe(1);
    expect(one('vplc_orchestrator_docker_up')).toBe(1);
    for (const w of ['netmon', 'orchestrator']) expect(one('vplc_orchestrator_worker_state', { worker: w, state: 'running' })).toBe(1);
    expect(one('vplc_orchestrator_worker_restarts_total', { worker: 'orchestrator' })).toBe(0);
    expect(types.get('vplc_orchestrator_worker_restarts_total')).toBe('counter');
    expect(one('vplc_orchestrator_cloud_link_state', { state: 'disabled' })).toBe(1);
    expect(one('vplc_orchestrator_vplc_running', { vplc: name })).toBe(1);
    // One derived health word per vPLC, as a state set: exactly one of its samples is 1.
    const health = samples.filter((s) => s.name === 'vplc_orchestrator_vplc_health' && s.labels['vplc'] === name);
    expect(health.length).toBeGreaterThan(1);
    expect(health.filter((s) => s.value === 1)).toHaveLength(1);
    expect(one('vplc_orchestrator_vplc_memory_bytes', { vplc: name })).toBeGreaterThan(1024 * 1024);
    expect(one('vplc_orchestrator_host_memory_total_bytes')).toBeGreaterThan(one('vplc_orchestrator_host_memory_used_bytes') ?? Infinity);
    expect(one('vplc_orchestrator_client_certificate_expiry_seconds')).toBeUndefined();
  });

  it('answers /health with its schema, 200 while the orchestrator and Docker answer, the cloud not counting', async () => {
    const r = await get('/health');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    const h = Health.parse(JSON.parse(r.body));
    expect(['ok', 'degraded']).toContain(h.status);
    expect(h.checks).toMatchObject({ orchestrator: { status: 'ok' }, docker: { status: 'ok' }, cloud: { status: 'info', detail: 'disabled' } });
  });

  it('refuses a foreign Host, a POST and an unknown path', async () => {
    expect((await get('/metrics', { host: 'evil.example:80' })).status).toBe(403);
    expect((await get('/metrics', { method: 'POST' })).status).toBe(405);
    expect((await get('/', {})).status).toBe(404);
  });

  it('listens nowhere with --no-metrics', async () => {
    const other = spawnAgent(['--no-cloud', '--no-metrics', '--ui-port', '0', '--data-dir', path.join(dir, 'data2'), '--lock-name', `vt-${run}-nometrics`, '--internal-pool', '198.19.93.0/24'], {
      VPLC_TOKEN_FILE: path.join(dir, 'token2'),
      XDG_CONFIG_HOME: path.join(dir, 'config2'),
      VPLC_METRICS_PORT: '48751',
    });
    try {
      const ready = await other.ready;
      expect(ready.metricsPort).toBeUndefined();
      expect(other.output()).not.toContain('metrics endpoint listening');
    } finally {
      await other.stop();
    }
  });
});
