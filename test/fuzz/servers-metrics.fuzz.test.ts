/**
 * The loopback `/metrics` + `/health` server under malformed and hostile HTTP over raw TCP sockets: bad
 * percent-encoding, `//`, absolute-form and asterisk-form targets, oversized and broken heads, bodies where none
 * belong, smuggling-style framing, slow heads, garbage bytes. Every request is answered (4xx for the malformed ones, never
 * 5xx), the server keeps serving and its heap stays bounded.
 * Runs: HTTP_RUNS requests (2,000 by default: about 3-5 s; 10,000 in `npm run test:fuzz`: about 10-20 s on a 2-core
 * machine). VPLC_FUZZ_SEED replays a failing run (its seed is in the failure message).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsCollector } from '../../electron/core/metrics-http/collect.js';
import { MetricsServer } from '../../electron/core/metrics-http/server.js';
import { exchange, HTTP_RUNS, runHttpFuzz, type Case } from './servers-support.js';

const warnings: string[] = [];
const collector = new MetricsCollector({
  version: '0.0.0-fuzz',
  mode: 'own',
  workers: () => [{ name: 'orchestrator', state: { kind: 'running', since: 0 } }],
  cloud: () => 'disabled',
  // A healthy agent, so that /health answers 200 and any 5xx is the server's fault.
  ask: (op) => Promise.resolve(op === 'agent.info' ? { installationId: 'fuzz', warnings: [] } : op === 'metrics.vplcs' ? [] : null),
  latestHostSample: () => null,
  certDaysLeft: () => Promise.resolve(null),
});
// Short request timeouts so that the slow-head cases are answered (408) within the run.
const server = new MetricsServer(collector, 0, { log: { warn: (m) => void warnings.push(m) }, limits: { headersTimeoutMs: 400, requestTimeoutMs: 800 } });

beforeAll(async () => {
  await server.listen();
});
afterAll(async () => {
  await server.close();
});

const get = (path: string, host = `127.0.0.1:${server.port}`): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });

describe('metrics server: regressions', () => {
  it('answers GET // with a valid Host 400 and keeps serving (it crashed the agent)', async () => {
    const c: Case = { kind: 'GET //', data: Buffer.from(`GET // HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`), end: true, head: false };
    expect((await exchange(server.port, c, 5_000)).status).toBe(400);
    expect(await get('/metrics')).toBe(200);
  });

  it('answers GET /% 400 and absolute-form targets 400', async () => {
    expect(await get('/%')).toBe(400);
    expect(await get(`http://127.0.0.1:${server.port}/metrics`)).toBe(400);
    expect(await get('/health')).toBe(200);
  });
});

describe('metrics server: raw-socket fuzz', () => {
  it(`answers ${HTTP_RUNS} malformed and hostile requests, keeps serving, and its heap stays bounded`, { timeout: 300_000 }, async () => {
    const { seed, problems, statuses, heapGrowth: grown } = await runHttpFuzz(server.port, (st) => st >= 200 && st < 500);
    expect(problems, `seed ${seed}`).toEqual([]);
    expect(await get('/health')).toBe(200);
    expect(grown, `heap grew by ${grown} bytes`).toBeLessThan(16 * 1024 * 1024);
    expect(warnings).toEqual([]);
    // The generator reached the interesting answers, not only one kind.
    for (const s of [200, 400, 403, 404, 405, 408, 431]) expect(statuses.get(s) ?? 0, `answers ${s} (seed ${seed})`).toBeGreaterThan(0);
  });
});
