// Enrolment through a real agent process against the cloud simulator, whose certificate comes from a private CA: without
// the CA file the agent names the first step, the cause and the CA file fix; with it, the PC is enrolled and the CA file
// is saved in the settings file. settings:get names the flags the agent runs with. Runtime: about 10-30 s (RSA-4096).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { CloudSim } from '../../cloud-sim/sim.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { createPkiSet } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { internalPoolFor, newRunId, workerSlot } from '../../support/run.js';

requireDocker();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-enrol-ca-'));
const settingsFile = path.join(dir, 'settings.json');
let sim: CloudSim;
let agent: AgentProcess;
let client: ApiClient;
let caFile: string;

beforeAll(async () => {
  const pki = await createPkiSet('07048933');
  sim = await CloudSim.start({ ca: pki.ca });
  caFile = path.join(dir, 'private-ca.pem');
  writeFileSync(caFile, pki.ca.cert);
  writeFileSync(path.join(dir, 'not-pem.txt'), 'hello\n');
  agent = spawnAgent(
    ['--no-cloud', '--provision-url', sim.provisionUrl, '--mtls-dir', path.join(dir, 'mtls'), '--ui-port', '0', '--data-dir', path.join(dir, 'data'), '--lock-name', `vt-${run}-enrolca`, '--internal-pool', internalPoolFor(workerSlot())],
    { VPLC_TOKEN_FILE: path.join(dir, 'token'), VPLC_SETTINGS: settingsFile, VPLC_LOG_LEVEL: 'debug', VPLC_CA_FILE: '' },
  );
  const ready = await agent.ready;
  client = await ApiClient.connect(ready.port, ready.token);
}, 60_000);

afterAll(async () => {
  client?.close();
  await agent?.stop();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('enrolment against a private CA', () => {
  it('settings:get names what the agent runs with and which flag or variable set it', async () => {
    const got = (await client.call('settings:get', {})) as { ok: true; value: { effective: Array<{ key: string; source: string; via?: string; value: unknown }> } };
    const by = (k: string) => got.value.effective.find((e) => e.key === k);
    expect(by('cloud.enabled')).toEqual({ key: 'cloud.enabled', value: false, source: 'flag', via: '--no-cloud' });
    expect(by('cloud.provisionUrl')).toEqual({ key: 'cloud.provisionUrl', value: sim.provisionUrl, source: 'flag', via: '--provision-url' });
    expect(by('agent.logLevel')).toEqual({ key: 'agent.logLevel', value: 'debug', source: 'env', via: 'VPLC_LOG_LEVEL' });
    expect(by('cloud.caFile')).toEqual({ key: 'cloud.caFile', value: null, source: 'default' });
  });

  it('without the CA file: the first step fails, naming the untrusted CA and the CA file fix; no step after it ran', async () => {
    const steps: string[] = [];
    const off = client.onEvent((name, p) => name === 'certs:progress' && steps.push((p as { step: string }).step));
    const r = await client.call('certs:enroll', {});
    off();
    expect(r).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', field: 'caFile' } });
    const message = (r as { error: { message: string } }).error.message;
    expect(message).toMatch(/^Enrolment stopped while asking the cloud for an agent ID: the certificate of 127\.0\.0\.1:\d+ is signed by a CA this PC does not trust \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\); set the CA file/);
    expect(steps).toEqual([]);
    expect(await client.call('certs:info', {})).toEqual({ ok: true, value: null });
  });

  it('refuses a CA file that is missing or holds no certificate, naming the field, before anything is sent', async () => {
    expect(await client.call('certs:enroll', { caFile: path.join(dir, 'missing.pem') })).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'caFile', message: expect.stringMatching(/^caFile: .*missing\.pem cannot be read by the agent \(ENOENT\)$/) } });
    expect(await client.call('certs:enroll', { caFile: path.join(dir, 'not-pem.txt') })).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'caFile', message: expect.stringContaining('holds no PEM certificate') } });
  });

  it('with the CA file: enrolled, and the CA file is saved as cloud.caFile for the cloud link', async () => {
    const steps: string[] = [];
    const off = client.onEvent((name, p) => name === 'certs:progress' && steps.push((p as { step: string }).step));
    const r = await client.call('certs:enroll', { caFile });
    off();
    expect(r).toMatchObject({ ok: true, value: { caFile: { saved: true, message: expect.stringContaining('the cloud link uses it after the agent restarts') } } });
    expect(steps).toEqual(['id', 'key', 'submit', 'enrolled']);
    const info = (await client.call('certs:info', {})) as { ok: true; value: { agentId: string } };
    expect(info.value.agentId).toBe((r as { value: { id: string } }).value.id);
    expect((JSON.parse(readFileSync(settingsFile, 'utf8')) as { cloud: { caFile?: string } }).cloud.caFile).toBe(caFile);
  }, 120_000);
});
