// Fuzzes every cloud topic through the real link: simulator → mTLS Socket.IO → CloudLink → CommandRouter → the real
// orchestrator adapter over a recording orchestrator stand-in (so a payload that happens to be valid touches nothing
// real; the stand-in checks every name it receives is one this test owns). Properties: no crash, exactly one ack per
// command, `action`/`correlation_id` echoed, validation errors name their field.
// Runs: VPLC_FUZZ_RUNS per topic (1,000 in `npm test`: about 10-15 s for 17 topics; 10,000 in `npm run test:fuzz`).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOUD_TOPICS } from '../../shared/cloud/acks.js';
import { orchestratorTarget, type OrchestratorPort } from '../../electron/workers/orchestrator/cloud/adapter.js';
import { CloudSim } from '../cloud-sim/sim.js';
import { createPkiSet } from '../support/pki.js';
import { newRunId } from '../support/run.js';
import { startLink, type LinkFixture } from '../integration/tls/harness.js';

const RUNS = Number(process.env.VPLC_FUZZ_RUNS ?? 1_000);
const run = newRunId();
const OWNED = [`vt-${run}-fz1`, `vt-${run}-fz2`];
const OWNED_IFACE = `vt${run}9a`;
const seen: string[] = [];
let sim: CloudSim;
let fx: LinkFixture;

/** Records every orchestrator call; answers like the orchestrator would for names it does not know. */
function recorder(): OrchestratorPort {
  const note = (name: string): void => void seen.push(name);
  return {
    create: (spec) => (note(spec.name), Promise.resolve({ status: 'error', error: 'Container name is already in use' })),
    delete: (n) => (note(n), Promise.resolve({ status: 'error', error: `Container ${n} is not managed by this orchestrator` })),
    start: (n) => (note(n), Promise.resolve({ status: 'error', device_id: n, error: `Device not found: ${n}` })),
    stop: (n) => (note(n), Promise.resolve({ status: 'error', device_id: n, error: `Device not found: ${n}` })),
    restart: (n) => (note(n), Promise.resolve({ status: 'error', device_id: n, error: `Device not found: ${n}` })),
    status: (n) => (note(n), Promise.resolve({ status: 'not_found', device_id: n, message: `Container ${n} does not exist` })),
    runCommand: (r) => (note(r.device_id), Promise.resolve({ status: 'error', error: `Device not found: ${r.device_id}` })),
    consumptionDevice: (n) => (note(n), Promise.resolve({ status: 'error', error: `Device ${n} not found` })),
    consumptionOrchestrator: () => Promise.resolve({ ip_addresses: [], memory: 1, cpu: 1, os: 'x', kernel: 'y', disk: 1, cpu_usage: [], memory_usage: [] }),
    selfDestruct: () => ({ status: 'error', error: 'Self-destruct operation already in progress' }),
    applyPendingChanges: (n) => (note(n), Promise.resolve({ status: 'error', error: `Device ${n} not found` })),
    serialDevices: () => ({ devices: [], ports: [] }),
  };
}

const junk = fc.oneof(fc.anything({ maxDepth: 2 }), fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(''));
const either = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: junk });
/** Name fields: an owned name, or something no validator accepts as a name (so nothing foreign is ever targeted). */
const nameField = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...OWNED) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant(''), fc.constant('   '), fc.array(fc.string(), { maxLength: 2 })) },
);
const vnic = fc.record(
  {
    name: either(fc.constantFrom('lan1', 'lan2', '')),
    parent_interface: either(fc.constant(OWNED_IFACE)),
    network_mode: either(fc.constantFrom('dhcp', 'static', 'MANUAL', 'bogus')),
    ip: either(fc.constantFrom('198.18.200.10', '198.18.200.10/24', '999.1.1.1')),
    subnet: either(fc.constantFrom('198.18.200.0/24', '255.255.255.0')),
    mac: either(fc.constantFrom('02:5a:00:00:00:01', '01:00:00:00:00:00')),
    dns: either(fc.array(fc.constantFrom('198.18.200.53', 'x'), { maxLength: 2 })),
  },
  { requiredKeys: [] },
);
const payload = fc.oneof(
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        correlation_id: either(fc.oneof(fc.integer(), fc.uuid())),
        requested_at: either(fc.constantFrom('2024-01-15T10:30:00Z', '2024-01-01', 'not-a-date')),
        device_id: nameField,
        container_name: nameField,
        vnic_configs: either(fc.array(vnic, { maxLength: 2 })),
        serial_configs: either(fc.constant([])),
        runtime_version: either(fc.constantFrom('latest', 'v2', 'bad tag')),
        method: either(fc.constantFrom('GET', 'post', 'PATCH', 'BREW')),
        api: either(fc.constantFrom('/api/status', 'debug', '')),
        port: either(fc.constantFrom(8443, 8080, 0, 70000, 1.5)),
        headers: either(fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 2 })),
        include_virtual: either(fc.boolean()),
        detailed: either(fc.boolean()),
        cpuPeriod: either(fc.constantFrom('1h', '30m', '600', '1,2', 'x')),
        memoryPeriod: either(fc.constantFrom('1d', '5m')),
        session_id: either(fc.constantFrom('s1')),
        sdp: either(fc.constant('v=0')),
        sdp_type: either(fc.constant('offer')),
      },
      { requiredKeys: [] },
    ),
  },
);

const roundTrip = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v)) as unknown);

beforeAll(async () => {
  const pki = await createPkiSet('07048933');
  sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
  const target = orchestratorTarget({
    orchestrator: recorder(),
    interfaces: { list: () => Promise.resolve([{ name: OWNED_IFACE, mac: '02:00:00:00:00:09', type: 'ethernet', ipv4: [], gateway: null }]) },
    allowRemoteRemoval: () => true,
    removeSelf: () => Promise.resolve(),
  });
  fx = await startLink({ url: sim.url, trust: [pki.ca.cert], client: pki.client, target });
  await sim.waitForConnection();
});

afterAll(async () => {
  await fx?.dispose();
  await sim?.close();
});

describe('cloud topics under fuzzing, through the real link', () => {
  it.each([...CLOUD_TOPICS, 'no_such_topic'])('acks every %s payload exactly once and names failing fields', async (topic) => {
    await fc.assert(
      fc.asyncProperty(payload, async (p) => {
        const ack = (await sim.send(topic, p, 10_000)) as Record<string, unknown>;
        expect(typeof ack).toBe('object');
        expect(ack['action']).toBe(topic);
        const sent = roundTrip(p);
        const cid = typeof sent === 'object' && sent !== null && !Array.isArray(sent) ? (sent as Record<string, unknown>)['correlation_id'] : undefined;
        expect(ack['correlation_id']).toEqual(typeof cid === 'number' || typeof cid === 'string' ? cid : null);
        const err = ack['error'];
        if (typeof err === 'string' && /^(Missing required field|Invalid field type|Validation error): /.test(err)) {
          const field = ack['field'];
          expect(typeof field).toBe('string');
          if (field !== '') expect(err).toMatch(new RegExp(`^(Missing required field: |Invalid field type: |Validation error: )${(field as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        }
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it('only ever reached the orchestrator with names this test owns, and the link stayed up', () => {
    expect(seen.every((n) => OWNED.includes(n))).toBe(true);
    expect(fx.link.stats()).toMatchObject({ state: 'connected', connects: 1 });
    expect(fx.router.pending).toBe(0);
  });
});
