// run_command through the internal bridge to a real stand-in runtime (HTTPS 8443 with TOFU pin, HTTP 8080).
// Runtime: about 15 s on 2 cores (one create, then local HTTP exchanges; the timeout case waits 1.5 s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-rc`;
let fx: OrchestratorFixture;

type Echo = { method: string; path: string; query: Record<string, unknown>; headers: string[]; body_base64: string; content_type: string };

async function echo(req: Parameters<OrchestratorFixture['orch']['runCommand']>[0]): Promise<{ status: string; echo: Echo; raw: Record<string, unknown> }> {
  const res = await fx.orch.runCommand(req);
  if (!('http_response' in res)) throw new Error(`no http_response: ${JSON.stringify(res)}`);
  return { status: res.status, echo: res.http_response.body as Echo, raw: res.http_response as unknown as Record<string, unknown> };
}
const body = (e: Echo): Buffer => Buffer.from(e.body_base64, 'base64');

beforeAll(async () => {
  fx = await openOrchestrator({ runCommand: { timeoutMs: 1_500 } });
  const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli');
  expect(ack.status).toBe('creating');
  await fx.orch.settled(name);
  expect(await fx.orch.status(name)).toMatchObject({ status: 'success' });
});

afterAll(async () => {
  await fx?.dispose();
});

describe('run_command through the internal bridge', () => {
  it('logs in over HTTPS on 8443 and returns the parsed JSON body', async () => {
    const user = { username: 'u', password: 'p' };
    expect(await fx.orch.runCommand({ device_id: name, method: 'post', api: '/api/create-user', data: user })).toMatchObject({ http_response: { status_code: 201 } });
    const res = await fx.orch.runCommand({ device_id: name, method: 'post', api: '/api/login', data: user });
    expect(res).toMatchObject({ status: 'success', http_response: { status_code: 200, ok: true, content_type: 'application/json' } });
    expect(typeof ((res as { http_response: { body: { access_token?: unknown } } }).http_response.body.access_token)).toBe('string');
  });

  it('sends GET with repeated query parameters', async () => {
    const { status, echo: e } = await echo({ device_id: name, method: 'GET', api: 'echo/q', params: { a: [1, 2], b: 'x' } });
    expect(status).toBe('success');
    expect(e.method).toBe('GET');
    expect(e.query).toEqual({ a: ['1', '2'], b: 'x' });
  });

  it('sends a JSON body', async () => {
    const { echo: e } = await echo({ device_id: name, method: 'POST', api: '/echo/json', data: { k: 'v', n: 1 } });
    expect(e.content_type).toBe('application/json');
    expect(JSON.parse(body(e).toString())).toEqual({ k: 'v', n: 1 });
  });

  it('sends a form body when the caller asks for one', async () => {
    const { echo: e } = await echo({ device_id: name, method: 'POST', api: '/echo/form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: { a: '1', b: 'two words' } });
    expect(body(e).toString()).toBe('a=1&b=two+words');
  });

  it('sends files as multipart with the data as form fields', async () => {
    const program = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00, 0x80]);
    const { echo: e } = await echo({
      device_id: name,
      method: 'POST',
      api: '/echo/upload',
      data: { note: 'v1' },
      files: { file: { filename: 'prog.zip', content_base64: program.toString('base64'), content_type: 'application/zip' } },
    });
    expect(e.content_type).toMatch(/^multipart\/form-data; boundary=/);
    const raw = body(e);
    expect(raw.includes(program)).toBe(true);
    expect(raw.toString('latin1')).toContain('filename="prog.zip"');
    expect(raw.toString('latin1')).toContain('name="note"');
  });

  it('returns a binary response as base64 with a flag', async () => {
    const res = await fx.orch.runCommand({ device_id: name, method: 'GET', api: '/binary', params: { size: 64 } });
    const hr = (res as { http_response: { body: string; body_encoding?: string; content_type: string } }).http_response;
    expect(hr.body_encoding).toBe('base64');
    expect(hr.content_type).toBe('application/octet-stream');
    expect(Buffer.from(hr.body, 'base64')).toHaveLength(64);
  });

  it('answers a hung runtime with a synthetic 504 after the configured timeout', async () => {
    const res = await fx.orch.runCommand({ device_id: name, method: 'GET', api: '/slow', params: { ms: 10_000 } });
    expect(res).toEqual({
      status: 'error',
      http_response: { status_code: 504, headers: {}, ok: false, body: { error: `Timeout: no response from ${name} within 1.5 s` }, content_type: 'application/json' },
    });
  });

  it('honours a non-8443 port over plain HTTP on the internal address', async () => {
    const { status, echo: e } = await echo({ device_id: name, method: 'GET', api: '/echo/http', port: 8080 });
    expect(status).toBe('success');
    expect(e.path).toBe('/echo/http');
  });

  it('refuses devices that are not managed vPLCs', async () => {
    expect(await fx.orch.runCommand({ device_id: `vt-${run}-nope`, method: 'GET', api: '/json' })).toEqual({ status: 'error', error: `Device not found: vt-${run}-nope` });
  });
});
