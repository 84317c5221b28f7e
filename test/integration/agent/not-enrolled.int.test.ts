// An agent with the cloud enabled but no credentials: the link makes no attempt and agent:status says so (offline),
// while netmon and the orchestrator run. The cloud URL points at loopback, so nothing leaves the machine.
// Runtime: about 5-8 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-noenrol-'));
let agent: AgentProcess;

beforeAll(() => {
  agent = spawnAgent(
    ['--cloud-url', 'https://127.0.0.1:9', '--mtls-dir', path.join(dir, 'mtls'), '--ui-port', '0', '--data-dir', path.join(dir, 'data'), '--lock-name', `vt-${run}-noenrol`, '--internal-pool', '198.19.94.0/24'],
    { VPLC_TOKEN_FILE: path.join(dir, 'token'), XDG_CONFIG_HOME: path.join(dir, 'config') },
  );
});

afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('an agent that is not enrolled', () => {
  it('runs all three workers and reports the cloud offline', async () => {
    const ready = await agent.ready;
    const client = await ApiClient.connect(ready.port, ready.token);
    const status = await waitFor(
      async () => (await client.call('agent:status', {})) as { ok: boolean; value?: { cloud: string; workers: Array<{ state: string }> } },
      (s) => s.ok && s.value?.workers.length === 3 && s.value.workers.every((w) => w.state === 'running') && s.value.cloud === 'offline',
      { timeoutMs: 20_000, what: 'three running workers and the cloud offline' },
    );
    expect(status.value?.cloud).toBe('offline');
    expect(await client.call('certs:info', {})).toEqual({ ok: true, value: null });
    client.close();
  });
});
