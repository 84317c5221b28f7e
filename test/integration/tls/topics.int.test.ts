// Every cloud topic end to end: simulator → real mTLS Socket.IO link → router → orchestrator adapter → real dockerd
// with the stand-in runtime, parents on veth pairs in 198.18.0.0/15. Ends with a real self-destruct.
// Runtime: about 6-10 s on 2 cores (one create waits for the stand-in's HTTPS API; start/stop/restart; self-destruct).
import { statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudLinkHandle } from '../../../electron/workers/cloudlink/start.js';
import { linkToSim, startSimCloud } from '../../support/cloud-link.js';
import type { CloudSim } from '../../cloud-sim/sim.js';
import { docker, NETHELPER_IMAGE, removeByLabels } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { tempDir } from '../../support/pki.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, TEST_LABEL, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';
import { FAST_TIMING } from './harness.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const name = `vt-${run}-cloud`;
const foreign = `vt-${run}-foreign`;
const tmp = tempDir('vplc-topics-');
const mtlsDir = path.join(tmp.dir, 'mtls');
let parent: VethParent;
let fx: OrchestratorFixture;
let sim: CloudSim;
let handle: CloudLinkHandle;
let allowRemoval = false;
let cid = 0;

type Ack = Record<string, unknown>;
const send = async (topic: string, payload: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<Ack> =>
  (await sim.send(topic, { correlation_id: ++cid, ...payload }, timeoutMs)) as Ack;

beforeAll(async () => {
  parent = createVethParent(run, 1, `${lanAddress(slot, 1, 254)}/24`);
  await docker.createContainer({ name: foreign, Image: NETHELPER_IMAGE, Cmd: ['sleep', '300'], Labels: { [TEST_LABEL]: run } });
  const cloud = await startSimCloud(tmp, '07048933');
  sim = cloud.sim;
  // An empty serial dir of its own: the host's adapters (if any) must not change the answer below.
  fx = await openOrchestrator({ runCommand: { timeoutMs: 5_000 }, serial: { byIdDir: path.join(tmp.dir, 'by-id'), sysRoot: path.join(tmp.dir, 'sys') } });
  void fx.orch.startLifecycle();
  handle = await linkToSim(fx.orch, cloud, { allowRemoteRemoval: () => allowRemoval, timing: FAST_TIMING });
});

afterAll(async () => {
  await handle?.close();
  await sim?.close();
  await removeByLabels({ run });
  await fx?.dispose();
  parent?.dispose();
  tmp.dispose();
});

describe('cloud topics end to end', () => {
  it('create_new_runtime acks creating; get_device_status goes from creating to success with its networks', async () => {
    const ack = await send('create_new_runtime', {
      container_name: name,
      vnic_configs: [{ name: 'lan1', parent_interface: parent.name, network_mode: 'static', ip: `${lanAddress(slot, 1, 60)}/24`, gateway: lanAddress(slot, 1, 1), mac: '02:5a:00:00:0c:01' }],
    });
    expect(ack).toMatchObject({ action: 'create_new_runtime', correlation_id: cid, status: 'creating', container_id: name, message: `Container creation started for ${name}` });
    expect(Object.keys(ack).slice(0, 3)).toEqual(['action', 'correlation_id', 'status']);
    const first = await send('get_device_status', { device_id: name });
    expect(first).toMatchObject({ status: 'creating', device_id: name, operation: 'create' });
    const done = await waitFor(() => send('get_device_status', { device_id: name }), (a) => a['status'] !== 'creating', { timeoutMs: 60_000, what: 'the create to finish' });
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'success', container_status: 'running', is_running: true });
    expect(done['networks']).toEqual({
      [`macvlan_${parent.name}_${lanSubnet(slot, 1).replace('/', '_')}`]: { ip_address: lanAddress(slot, 1, 60), mac_address: '02:5a:00:00:0c:01', gateway: lanAddress(slot, 1, 1) },
    });
  });

  it('run_command reaches the stand-in runtime over its internal address', async () => {
    const ack = await send('run_command', { device_id: name, method: 'GET', api: '/api/version' });
    expect(ack).toMatchObject({ action: 'run_command', status: 'success', http_response: { status_code: 200, ok: true, content_type: 'application/json' } });
  });

  it('get_consumption_device answers every period form without a status key', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const p of [undefined, '1h', '30m', '2d', '600', `${now - 3600},${now}`, 'garbage']) {
      const ack = await send('get_consumption_device', { device_id: name, ...(p === undefined ? {} : { cpuPeriod: p, memoryPeriod: p }) });
      expect(Object.keys(ack)).toEqual(['action', 'correlation_id', 'device_id', 'memory', 'cpu', 'cpu_usage', 'memory_usage']);
      expect(ack).toMatchObject({ device_id: name, memory: 'unlimited', cpu: 'unlimited' });
      expect(Array.isArray(ack['cpu_usage']) && Array.isArray(ack['memory_usage'])).toBe(true);
    }
    expect(await send('get_consumption_device', { device_id: foreign })).toMatchObject({ status: 'error', error: `Device ${foreign} not found` });
  });

  it('get_consumption_orchestrator lists host addresses and never carries a status key', async () => {
    const ack = await send('get_consumption_orchestrator', { cpuPeriod: '1h', memoryPeriod: '5m' });
    expect(ack).not.toHaveProperty('status');
    expect(ack['ip_addresses']).toContainEqual({ interface: parent.name, ip_address: lanAddress(slot, 1, 254) });
    expect(typeof ack['memory']).toBe('number');
  });

  it('get_host_interfaces reports the parent with its real MAC and type, sorted, virtual ones only on request', async () => {
    const ack = await send('get_host_interfaces');
    const list = ack['interfaces'] as Array<Record<string, unknown>>;
    const names = list.map((i) => i['name'] as string);
    expect(names).toEqual([...names].sort());
    expect(names).not.toContain('lo');
    const mine = list.find((i) => i['name'] === parent.name);
    expect(mine).toMatchObject({ ip_address: lanAddress(slot, 1, 254), subnet: lanSubnet(slot, 1), type: 'ethernet' });
    expect(mine?.['mac_address']).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const all = await send('get_host_interfaces', { include_virtual: true, detailed: false });
    const lo = (all['interfaces'] as Array<Record<string, unknown>>).find((i) => i['name'] === 'lo');
    expect(lo).toBeDefined();
    expect(lo).not.toHaveProperty('subnet');
  });

  it('stop_device, start_device and restart_device change the container for real', async () => {
    expect(await send('stop_device', { device_id: name })).toMatchObject({ status: 'success', container_status: 'exited', message: expect.stringMatching(new RegExp(`^Container ${name} stopped cleanly in `)) });
    expect(await send('start_device', { device_id: name })).toMatchObject({ status: 'success', container_status: 'running', message: `Container ${name} started` });
    expect(await send('restart_device', { device_id: name })).toMatchObject({ status: 'success', container_status: 'running', message: expect.stringMatching(new RegExp(`^Container ${name} restarted \\(stopped cleanly in `)) });
    expect(await send('restart_device', { device_id: foreign })).toMatchObject({ status: 'error', device_id: foreign, error: `Device not found: ${foreign}` });
  });

  it('delete_device refuses a container this orchestrator does not manage and touches nothing', async () => {
    expect(await send('delete_device', { device_id: foreign })).toEqual({ action: 'delete_device', correlation_id: cid, status: 'error', error: `Container ${foreign} is not managed by this orchestrator` });
    expect((await docker.getContainer(foreign).inspect()).Name).toBe(`/${foreign}`);
  });

  it('answers the later-phase topics without touching anything', async () => {
    expect(await send('get_serial_devices')).toEqual({ action: 'get_serial_devices', correlation_id: cid, status: 'success', count: 0, devices: [] });
    // WebRTC sessions are built (test/integration/tls/webrtc.int.test.ts); an offer for a device we do not have is refused.
    expect(await send('webrtc:offer', { session_id: 's1', device_id: foreign, sdp: 'v=0', sdp_type: 'offer' })).toEqual({
      action: 'webrtc:offer', correlation_id: cid, status: 'error', error: `Device ${foreign} not found`, session_id: 's1',
    });
    // The debug bridge is built (test/integration/plc/debug-bridge.int.test.ts): a read before debug_start is a debug_error in a success ack.
    expect(await send('run_command', { device_id: name, method: 'GET', api: 'debug', data: { type: 'debug_get_md5' } })).toEqual({
      action: 'run_command', correlation_id: cid, status: 'success', debug_response: { type: 'debug_error', error: 'No active debug session. Send debug_start first.' },
    });
    // Serial ports are built (test/integration/serial/serial-create.int.test.ts); a bad one is still refused in the ack.
    expect(await send('create_new_runtime', { container_name: `vt-${run}-serial`, vnic_configs: [], serial_configs: [{ name: 's', device_id: 'usb-x', container_path: '/tmp/ttyS9' }] })).toMatchObject({
      status: 'error', error: 'Invalid field type: serial_configs[0].container_path: Value must be a device path under /dev/.',
    });
    expect(await fx.orch.status(`vt-${run}-serial`)).toMatchObject({ status: 'not_found' });
  });

  it('delete_device removes the vPLC in the background', async () => {
    expect(await send('delete_device', { device_id: name })).toMatchObject({ status: 'deleting', device_id: name });
    await waitFor(() => send('get_device_status', { device_id: name }), (a) => a['status'] === 'not_found', { timeoutMs: 60_000, what: 'the vPLC to be gone' });
  });

  it('delete_orchestrator is refused while remote removal is disabled, then retires the credentials and stops the link', async () => {
    expect(await send('delete_orchestrator')).toEqual({ action: 'delete_orchestrator', correlation_id: cid, status: 'error', error: 'Remote removal is disabled on this orchestrator' });
    allowRemoval = true;
    expect(await send('delete_orchestrator')).toMatchObject({ status: 'accepted', poll_device_id: '__orchestrator__' });
    await waitFor(() => handle.stats().state, (s) => s === 'not_enrolled', { timeoutMs: 60_000, what: 'the link to leave the cloud' });
    expect(existsSync(mtlsDir)).toBe(false);
    const moved = (await import('node:fs')).readdirSync(tmp.dir).find((f) => f.startsWith('mtls.removed-'));
    expect(moved).toBeDefined();
    expect(statSync(path.join(tmp.dir, moved as string)).mode & 0o777).toBe(0o700);
    expect(sim.connectedCount).toBe(0);
  });
});
