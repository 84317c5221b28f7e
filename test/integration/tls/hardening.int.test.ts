// Cloud commands stay inside what the plant allows, end to end: simulator → real mTLS Socket.IO link → router →
// orchestrator adapter → real dockerd with the stand-in runtime, parents on veth pairs in 198.18.0.0/15.
// device_id tricks (__proto__, constructor, an ID prefix of our real container, /name) change nothing; the parent
// policy and address rules refuse with the field named; run_command caps, path bypass attempts and a stopped vPLC are
// answered at once. Runtime: about 15-25 s on 2 cores (one create with a LAN, one without, a 5 s slow call).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudLinkHandle } from '../../../electron/workers/cloudlink/start.js';
import type { CloudSim } from '../../cloud-sim/sim.js';
import { linkToSim, startSimCloud } from '../../support/cloud-link.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { openOrchestrator, TEST_PARENT_POLICY, type OrchestratorFixture } from '../../support/orchestrator.js';
import { tempDir } from '../../support/pki.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';
import { FAST_TIMING } from './harness.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const name = `vt-${run}-hard`;
const next = `vt-${run}-next`;
const stray = `vx${run}a`;
const tmp = tempDir('vplc-hardening-');
let cell: VethParent;
let office: VethParent;
let fx: OrchestratorFixture;
let sim: CloudSim;
let handle: CloudLinkHandle;
let cid = 0;

type Ack = Record<string, unknown>;
const send = async (topic: string, payload: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<Ack> =>
  (await sim.send(topic, { correlation_id: ++cid, ...payload }, timeoutMs)) as Ack;
const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'ignore' });
const stateKeys = (): string[] => Object.keys(JSON.parse(readFileSync(path.join(fx.dataDir, 'vplc_state.json'), 'utf8')) as object).sort();
const staticVnic = (parent: string, host: number, n = 5, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: `lan${host}`, parent_interface: parent, network_mode: 'static', ip: `${lanAddress(slot, n, host)}/24`, gateway: lanAddress(slot, n, 1), ...extra,
});

beforeAll(async () => {
  cell = createVethParent(run, 5, `${lanAddress(slot, 5, 254)}/24`);
  office = createVethParent(run, 6, `${lanAddress(slot, 6, 254)}/24`);
  ip('link', 'add', stray, 'type', 'veth', 'peer', 'name', `vx${run}b`);
  const cloud = await startSimCloud(tmp, '07048933');
  sim = cloud.sim;
  fx = await openOrchestrator({
    runCommand: { timeoutMs: 20_000, maxPerDevice: 1, maxTotal: 8, allowList: [{ pathPrefix: '/api' }, { method: 'GET', pathPrefix: '/slow' }, { method: 'GET', pathPrefix: '/json', ports: [8443] }] },
    parentPolicy: { ...TEST_PARENT_POLICY, zones: { cell: [cell.name], office: [office.name] } },
  });
  void fx.orch.startLifecycle();
  handle = await linkToSim(fx.orch, cloud, { timing: FAST_TIMING });
  const ack = await send('create_new_runtime', { container_name: name, vnic_configs: [staticVnic(cell.name, 60)] });
  expect(ack, JSON.stringify(ack)).toMatchObject({ status: 'creating' });
  const done = await waitFor(() => send('get_device_status', { device_id: name }), (a) => a['status'] !== 'creating', { timeoutMs: 60_000, what: 'the create to finish' });
  expect(done, JSON.stringify(done)).toMatchObject({ status: 'success', container_status: 'running' });
});

afterAll(async () => {
  await handle?.close();
  await sim?.close();
  await fx?.dispose();
  await removeByLabels({ run });
  cell?.dispose();
  office?.dispose();
  try {
    ip('link', 'del', stray);
  } catch {
    // already gone
  }
  tmp.dispose();
});

describe('device_id on every cloud topic', () => {
  it('__proto__, constructor, an ID prefix of our container and /name get an error ack and change nothing', async () => {
    const before = await docker.getContainer(name).inspect();
    const keys = stateKeys();
    const prefix = before.Id.slice(0, 12);
    const topics: Array<[string, Record<string, unknown>]> = [
      ['stop_device', {}], ['restart_device', {}], ['start_device', {}], ['delete_device', {}], ['apply_pending_changes', {}],
      ['get_device_status', {}], ['get_consumption_device', {}], ['run_command', { method: 'GET', api: '/api/x' }],
    ];
    for (const id of ['__proto__', 'constructor', 'toString', prefix, `/${name}`]) {
      for (const [topic, extra] of topics) {
        const ack = await send(topic, { device_id: id, ...extra });
        const what = `${topic} ${id}: ${JSON.stringify(ack)}`;
        // get_device_status answers an unknown device with the protocol's not_found; everything else is an error.
        expect(ack['status'], what).toBe(topic === 'get_device_status' && (id === prefix || id === 'constructor' || id === 'toString') ? 'not_found' : 'error');
        expect(JSON.stringify(ack), what).not.toContain(before.Id);
      }
    }
    const after = await docker.getContainer(name).inspect();
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(stateKeys()).toEqual(keys);
    expect(await send('get_device_status', { device_id: name })).toMatchObject({ status: 'success', container_status: 'running' });
  });

  it('a field-named validation error for a name-rule breach, and the next valid create works', async () => {
    expect(await send('stop_device', { device_id: '__proto__' })).toEqual({
      status: 'error',
      error: "Invalid field type: device_id: Value must be a valid container name (2-63 chars of letters, digits, '_', '.', '-', starting with a letter or digit).",
      action: 'stop_device',
      correlation_id: cid,
      field: 'device_id',
    });
    expect(await send('create_new_runtime', { container_name: next, vnic_configs: [] })).toMatchObject({ status: 'creating', container_id: next });
    await waitFor(() => send('get_device_status', { device_id: next }), (a) => a['status'] !== 'creating', { timeoutMs: 60_000, what: 'the second create to finish' });
    expect(await send('get_device_status', { device_id: next })).toMatchObject({ status: 'success' });
  });
});

describe('parent policy and addresses', () => {
  const refused = async (vnics: Array<Record<string, unknown>>, error: string): Promise<void> => {
    const container = `vt-${run}-no`;
    expect(await send('create_new_runtime', { container_name: container, vnic_configs: vnics })).toMatchObject({ status: 'error', error: `Validation error: ${error}` });
    expect(await send('get_device_status', { device_id: container })).toMatchObject({ status: 'not_found' });
    expect(stateKeys()).not.toContain(container);
  };

  it('refuses fixed-list parents, parents outside the allow-list and a bridge between zones, naming the field', async () => {
    await refused([staticVnic('lo', 61)], 'vnics[0].parent_interface: lo can never be a vNIC parent (it matches lo)');
    await refused([staticVnic(cell.name, 61), { name: 'b', parent_interface: stray, network_mode: 'dhcp' }], `vnics[1].parent_interface: ${stray} is not in this orchestrator's list of allowed parent interfaces`);
    await refused(
      [staticVnic(cell.name, 61), staticVnic(office.name, 61, 6, { name: 'b' })],
      `vnics[1].parent_interface: ${office.name} (zone office) and ${cell.name} (zone cell) are in different zones; this orchestrator does not let one vPLC bridge them`,
    );
  });

  it("refuses the host's own address, the gateway, the network and the broadcast address", async () => {
    await refused([staticVnic(cell.name, 254)], `vnics[0].ip: ${lanAddress(slot, 5, 254)} is this host's own address on ${cell.name}`);
    await refused([staticVnic(cell.name, 1)], `vnics[0].ip: ${lanAddress(slot, 5, 1)} is the gateway of ${cell.name}`);
    await refused([staticVnic(cell.name, 0)], `vnics[0].ip: ${lanAddress(slot, 5, 0)} is the network address of ${lanAddress(slot, 5, 0)}/24`);
    await refused([staticVnic(cell.name, 255)], `vnics[0].ip: ${lanAddress(slot, 5, 255)} is the broadcast address of ${lanAddress(slot, 5, 0)}/24`);
  });
});

describe('run_command', () => {
  it('refuses path bypass attempts and unlisted ports before they reach the runtime', async () => {
    for (const api of ['/api/..%2fjson', '/api/%2e%2e/json', '/api\\..\\json', '/api/../json', '/apijson', '/json/../slow']) {
      const ack = await send('run_command', { device_id: name, method: 'GET', api });
      const code = (ack['http_response'] as { status_code?: number } | undefined)?.status_code;
      expect([400, 403], `${api}: ${JSON.stringify(ack)}`).toContain(code);
    }
    expect(await send('run_command', { device_id: name, method: 'GET', api: '/json', port: 8080 })).toMatchObject({ status: 'error', http_response: { status_code: 403 } });
    expect(await send('run_command', { device_id: name, method: 'GET', api: '/json' })).toMatchObject({ status: 'success', http_response: { status_code: 200 } });
  });

  it('answers calls beyond the per-vPLC cap with a 429 while one is in flight, and admits again after it', async () => {
    const statusOf = (a: Record<string, unknown>): number | undefined => (a['http_response'] as { status_code?: number } | undefined)?.status_code;
    // The slow call and the first probe race for the one slot; when the probe wins, the slow call is the one refused,
    // and the round starts again (at most 3 rounds).
    let slow: Promise<Record<string, unknown>> | undefined;
    let busy: Record<string, unknown> | undefined;
    for (let round = 0; round < 3 && !busy; round++) {
      const call = send('run_command', { device_id: name, method: 'GET', api: '/slow', params: { ms: 5_000 } });
      let ended: Record<string, unknown> | null = null;
      void call.then((a) => (ended = a));
      slow = call;
      busy = await waitFor(
        async () => (ended && statusOf(ended) === 429 ? { lostRace: true } : send('run_command', { device_id: name, method: 'GET', api: '/api/version' })),
        (a) => 'lostRace' in a || statusOf(a) === 429,
        { timeoutMs: 4_000, intervalMs: 100, what: 'a 429 while the slow call runs' },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; the slow call ${ended ? `had already ended: ${JSON.stringify(ended)}` : 'was still in flight'}`);
      });
      if ('lostRace' in busy) {
        busy = undefined;
        await waitFor(() => send('run_command', { device_id: name, method: 'GET', api: '/api/version' }), (a) => statusOf(a) === 200, { timeoutMs: 10_000, what: 'the slot free again' });
      }
    }
    expect(busy).toMatchObject({
      status: 'error',
      http_response: { status_code: 429, ok: false, body: { error: `Too many run_command calls in progress for ${name} (limit 1); try again later` }, content_type: 'application/json' },
    });
    expect(await slow).toMatchObject({ status: 'success', http_response: { status_code: 200, body: { slept: 5_000 } } });
    expect(await send('run_command', { device_id: name, method: 'GET', api: '/api/version' })).toMatchObject({ status: 'success' });
  });

  it('answers at once for a stopped vPLC instead of waiting for a timeout', async () => {
    expect(await send('stop_device', { device_id: name })).toMatchObject({ status: 'success', container_status: 'exited' });
    const t0 = Date.now();
    const ack = await send('run_command', { device_id: name, method: 'GET', api: '/json' });
    console.log(`run_command to a stopped vPLC answered in ${Date.now() - t0} ms`);
    expect(ack).toEqual({
      action: 'run_command',
      correlation_id: cid,
      status: 'error',
      http_response: { status_code: 503, headers: {}, ok: false, body: { error: `Device ${name} is stopped` }, content_type: 'application/json' },
    });
  });
});
