/**
 * Property: for arbitrary run_command fields (fc.anything-based), `RuntimeProxy.run()` never throws
 * and always returns a well-formed ack (docs/protocol.md §4.4), against a real local echo server.
 * Runtime: about 0.5 s for the 300 runs (about 1.5 s with vitest start-up) on a 2-core machine.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunCommandOutcome } from '../../electron/workers/orchestrator/runtime/types.js';
import { type Running, echoHandler, makeProxy, startHttp } from '../unit/electron/workers/orchestrator/runtime/helpers.js';

let server: Running;
beforeAll(async () => {
  server = await startHttp(echoHandler);
});
afterAll(async () => {
  await server.close();
});

const anything = fc.anything({ maxDepth: 2, maxKeys: 4 });
const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/);
const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));

function wellFormed(r: RunCommandOutcome): void {
  expect(() => JSON.stringify(r)).not.toThrow();
  if ('debug_response' in r) {
    expect(Object.keys(r)).toEqual(['status', 'debug_response']);
    expect(typeof r.debug_response.type).toBe('string');
    return;
  }
  if (!('http_response' in r)) {
    expect(Object.keys(r)).toEqual(['status', 'error']);
    expect(r.status).toBe('error');
    expect(typeof r.error).toBe('string');
    return;
  }
  expect(Object.keys(r)).toEqual(['status', 'http_response']);
  const h = r.http_response;
  const keys = ['status_code', 'headers', 'ok', 'body', 'content_type'];
  expect(Object.keys(h)).toEqual(h.body_encoding === undefined ? keys : [...keys, 'body_encoding']);
  expect(Number.isInteger(h.status_code)).toBe(true);
  expect(h.ok).toBe(h.status_code < 400);
  expect(r.status).toBe(h.ok ? 'success' : 'error');
  for (const v of Object.values(h.headers)) expect(typeof v).toBe('string');
  expect(typeof h.content_type).toBe('string');
  if (h.body_encoding !== undefined) {
    expect(h.body_encoding).toBe('base64');
    expect(typeof h.body).toBe('string');
  }
  if (h.content_type === 'text/plain') expect(typeof h.body).toBe('string');
  // A real answer (synthetic ones have no headers) comes from the echo server, which answers every
  // well-framed request with 200: anything else means the proxy sent a malformed request.
  if (Object.keys(h.headers).length > 0) expect(h.status_code).toBe(200);
  else expect(h.body).toEqual({ error: expect.any(String) });
}

it('run() never throws and always returns a well-formed ack', async () => {
  const { proxy } = makeProxy({ options: { timeoutMs: 3000, connectTimeoutMs: 1000, maxBodyBytes: 64 * 1024 } });
  const request = fc.record(
    {
      device_id: fc.oneof({ weight: 8, arbitrary: fc.constant('plc1') }, { weight: 1, arbitrary: anything }),
      method: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('GET', 'post', 'PUT', 'delete', 'PATCH', 'HEAD', 'OPTIONS') },
        { weight: 1, arbitrary: fc.string() },
        { weight: 1, arbitrary: anything },
      ),
      api: fc.oneof({ weight: 6, arbitrary: fc.string() }, { weight: 1, arbitrary: fc.constant('debug') }, { weight: 1, arbitrary: anything }),
      port: fc.oneof(
        { weight: 8, arbitrary: fc.constant(server.port) },
        // Never a usable port other than the echo server's (a missing or null port means 8443):
        // nothing else on this machine is to be spoken to.
        { weight: 1, arbitrary: anything.filter((p) => p !== undefined && p !== null && !(typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535)) },
      ),
      headers: fc.oneof(fc.dictionary(fc.oneof(token, fc.string()), fc.oneof(scalar, anything), { maxKeys: 4 }), anything),
      params: fc.oneof(fc.dictionary(fc.string(), fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), anything), { maxKeys: 4 }), anything),
      data: anything,
      files: fc.oneof(
        fc.dictionary(
          fc.string(),
          fc.oneof(
            fc.string(),
            fc.record({ filename: fc.option(fc.string()), content_base64: fc.option(fc.base64String()), content_type: fc.option(fc.string()) }, { requiredKeys: [] }),
            anything,
          ),
          { maxKeys: 3 },
        ),
        anything,
      ),
    },
    { requiredKeys: ['device_id', 'method', 'api', 'port'] },
  );
  await fc.assert(
    fc.asyncProperty(request, async (req) => {
      // Deliberately ill-typed input: run() must cope with whatever reaches it.
      const r = await proxy.run(req as Parameters<typeof proxy.run>[0]);
      wellFormed(r);
    }),
    { numRuns: 300 },
  );
}, 60_000);
