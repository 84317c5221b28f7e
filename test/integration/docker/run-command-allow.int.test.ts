// The run_command allow-list on a real stand-in runtime: calls inside the list reach the runtime;
// a path or method outside it is refused with a clear 403 envelope and never reaches the runtime. Runtime: about 5 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-allow`;
let fx: OrchestratorFixture;

beforeAll(async () => {
  fx = await openOrchestrator({ runCommand: { allowList: [{ pathPrefix: '/api/' }, { method: 'GET', pathPrefix: '/echo/' }] } });
  expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli')).status).toBe('creating');
  await fx.orch.settled(name);
  expect(await fx.orch.status(name)).toMatchObject({ status: 'success' });
});

afterAll(async () => {
  await fx?.dispose();
});

describe('the run_command allow-list', () => {
  it('lets an allowed call through to the runtime', async () => {
    const res = await fx.orch.runCommand({ device_id: name, method: 'POST', api: '/api/create-user', data: { username: 'u', password: 'p' } });
    expect(res).toMatchObject({ status: 'success', http_response: { status_code: 201, ok: true } });
    expect(await fx.orch.runCommand({ device_id: name, method: 'GET', api: '/echo/x' })).toMatchObject({ http_response: { status_code: 200 } });
  });

  it('refuses a path or a method outside it with a clear error', async () => {
    for (const [method, api] of [['GET', '/debug/x'], ['POST', '/echo/x'], ['GET', '/api2/x']] as const) {
      const res = await fx.orch.runCommand({ device_id: name, method, api });
      expect(res).toMatchObject({ http_response: { status_code: 403, ok: false } });
      expect(JSON.stringify(res)).toContain(`${method} ${api} is not allowed by this orchestrator's run_command allow-list`);
    }
  });
});
