// Serial ports of a vPLC (docs/serial.md "Device nodes", "Port status") on the real engine: the orchestrator makes
// each port's node inside the stand-in container by docker exec, from a by-id dir whose links lead to real
// pseudo-terminals (socat). Plugging is creating a by-id link.
// The kernel opens a pseudo-terminal only through its devpts mount, never through a node made with mknod (EIO), so
// the data path is checked on another real tty: an unused virtual console of the host (input injected with TIOCSTI,
// output read back from its screen buffer /dev/vcsN).
// Runtime: about 20-35 s (five creates, a stop, a start, an agent restart, a second orchestrator).
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SerialPortState } from '../../../shared/domain/serial.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { FakeSerialHost, PtyPair } from '../../support/serial.js';

requireDocker();
requireRoot();

const sh = promisify(execFile);
const run = newRunId();
const FTDI = 'usb-FTDI_FT232R_USB_UART_S8B-if00-port0';
const LATE = 'usb-Prolific_PL2303_LATE-if00-port0';
const CONSOLE = 'usb-Test_Console_VT-if00';
/** An unused virtual console of the host (the VM's console is ttyS0; nothing runs on the VTs). */
const VT = 40 + (parseInt(run, 16) % 20);
const PORT = { name: 'rs485', deviceId: FTDI, containerPath: '/dev/serial/plc0', baudRate: 19200 };
const name = `vt-${run}-ser`;
let host: FakeSerialHost;
let ptys: PtyPair[] = [];
let fx: OrchestratorFixture;
let orch: Orchestrator;

/** `docker exec` through the CLI (not the code under test); resolves with stdout, rejects on a non-zero exit. */
const inContainer = async (container: string, ...cmd: string[]): Promise<string> => (await sh('docker', ['exec', container, ...cmd], { timeout: 10_000 })).stdout;
const exists = (container: string, p: string): Promise<boolean> => inContainer(container, 'sh', '-c', `test -c ${p}`).then(() => true, () => false);
/** Major:minor of a node in the container, in decimal (busybox stat prints them in hex). */
const numbers = async (container: string, p: string): Promise<string> =>
  (await inContainer(container, 'stat', '-c', '%t %T', p))
    .trim()
    .split(' ')
    .map((h) => String(parseInt(h, 16)))
    .join(':');
const ptsMinor = (p: string): number => Number(path.basename(p));

async function portsOf(o: Orchestrator, vplc: string): Promise<SerialPortState[] | undefined> {
  const s = await o.status(vplc);
  return s.serial_ports;
}

const waitPort = (o: Orchestrator, vplc: string, ok: (p: SerialPortState | undefined) => boolean, what: string, timeoutMs = 5_000): Promise<SerialPortState | undefined> =>
  waitFor(async () => (await portsOf(o, vplc))?.[0], ok, { timeoutMs, intervalMs: 20, what });

async function created(o: Orchestrator, spec: Parameters<Orchestrator['create']>[0]): Promise<void> {
  expect((await o.create(spec, 'cli')).status).toBe('creating');
  await o.settled(spec.name);
  expect(await o.status(spec.name)).toMatchObject({ status: 'success', is_running: true });
}

beforeAll(async () => {
  ptys = await Promise.all([PtyPair.open(), PtyPair.open(), PtyPair.open()]);
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: ptys[0]!.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001' } });
  host.addAdapter({ name: 'ttyUSB1', pty: ptys[1]!.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001' } });
  host.addAdapter({ name: 'ttyUSB2', pty: ptys[2]!.ends[0], byId: LATE, usb: { idVendor: '067b', idProduct: '2303' } });
  host.addAdapter({ name: 'ttyACM0', pty: `/dev/tty${VT}`, byId: CONSOLE, usb: { idVendor: '1d6b', idProduct: '0104' } });
  host.link(FTDI, 'ttyUSB0');
  host.link(CONSOLE, 'ttyACM0');
  fx = await openOrchestrator({ serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } });
  orch = fx.orch;
  await created(orch, { name, runtimeVersion: 'latest', vnics: [], serialPorts: [PORT] });
}, 120_000);

afterAll(async () => {
  await fx?.dispose();
  await Promise.all(ptys.map((p) => p.close()));
  host?.dispose();
});

describe('serial port nodes in a running vPLC', () => {
  it('makes the node after the create, connected with the device numbers, in get_device_status', async () => {
    const p = await waitPort(orch, name, (s) => s?.status === 'connected', 'the port connected after the create');
    expect(p).toMatchObject({ name: 'rs485', device_id: FTDI, container_path: '/dev/serial/plc0', baud_rate: 19200, status: 'connected', current_host_path: host.node('ttyUSB0'), major: 136, minor: ptsMinor(ptys[0]!.ends[0]), reason: null });
    expect(await numbers(name, '/dev/serial/plc0')).toBe(`136:${ptsMinor(ptys[0]!.ends[0])}`);
    expect((await inContainer(name, 'stat', '-c', '%a', '/dev/serial/plc0')).trim()).toBe('666');
    const listed = (await orch.list()).find((v) => v.name === name);
    expect(listed?.serial_ports).toEqual([{ name: 'rs485', device_id: FTDI, container_path: '/dev/serial/plc0', status: 'connected', current_host_path: host.node('ttyUSB0') }]);
    // The reference-shaped file carries the live state too (written after the event, so waited for).
    const stored = await waitFor(
      () => JSON.parse(readFileSync(path.join(fx.dataDir, 'data', 'serial_configs.json'), 'utf8')) as Record<string, { serial_ports: Array<Record<string, unknown>> }>,
      (f) => f[name]?.serial_ports[0]?.status === 'connected',
      { timeoutMs: 5_000, what: 'serial_configs.json with the connected port' },
    );
    expect(stored[name]?.serial_ports).toEqual([
      { name: 'rs485', device_id: FTDI, container_path: '/dev/serial/plc0', status: 'connected', current_host_path: host.node('ttyUSB0'), major: 136, minor: ptsMinor(ptys[0]!.ends[0]), baud_rate: 19200 },
    ]);
  });

  it('unplug removes the node (disconnected); a replug onto another pty makes it with the new minor', async () => {
    const events: string[] = [];
    const off = orch.onSerialPorts((c) => c.vplc === name && events.push(c.ports[0]?.status ?? 'none'));
    host.unlink(FTDI);
    const gone = await waitPort(orch, name, (s) => s?.status === 'disconnected', 'the port disconnected after the unplug');
    expect(gone).toMatchObject({ status: 'disconnected', current_host_path: null, major: null, minor: null, reason: `no device matches '${FTDI}'` });
    expect(await exists(name, '/dev/serial/plc0')).toBe(false);

    const t0 = performance.now();
    host.link(FTDI, 'ttyUSB1');
    // About 0.4 s on a quiet machine (bench P11 gives p50/p99); the wait allows for a loaded CI machine.
    const back = await waitPort(orch, name, (s) => s?.status === 'connected', 'the port connected after the replug', 3_000);
    console.log(`serial: replug → connected in the status after ${Math.round(performance.now() - t0)} ms`);
    off();
    expect(back).toMatchObject({ status: 'connected', current_host_path: host.node('ttyUSB1'), major: 136, minor: ptsMinor(ptys[1]!.ends[0]) });
    expect(ptsMinor(ptys[1]!.ends[0])).not.toBe(ptsMinor(ptys[0]!.ends[0]));
    expect(await numbers(name, '/dev/serial/plc0')).toBe(`136:${ptsMinor(ptys[1]!.ends[0])}`);
    expect(events).toEqual(['disconnected', 'connected']);
  });

  it('a stop disconnects the port (vPLC not running); a start makes the node again', async () => {
    expect((await orch.stop(name, 'cli')).status).toBe('success');
    const stopped = await waitPort(orch, name, (s) => s?.status === 'disconnected', 'the port disconnected after the stop');
    expect(stopped?.reason).toBe('vPLC not running');
    expect(['success', 'starting']).toContain((await orch.start(name, 'cli')).status);
    const started = await waitPort(orch, name, (s) => s?.status === 'connected', 'the port connected after the start');
    expect(started?.minor).toBe(ptsMinor(ptys[1]!.ends[0]));
    expect(await numbers(name, '/dev/serial/plc0')).toBe(`136:${ptsMinor(ptys[1]!.ends[0])}`);
  }, 60_000);

  it('an agent restart resyncs the nodes without any plug event', async () => {
    await orch.close({ graceMs: 5_000 });
    // Gone while no agent ran: only a resync at the start makes it again.
    await inContainer(name, 'rm', '-f', '/dev/serial/plc0');
    orch = await fx.reopen();
    const p = await waitPort(orch, name, (s) => s?.status === 'connected', 'the port connected after the agent restart');
    expect(p?.minor).toBe(ptsMinor(ptys[1]!.ends[0]));
    expect(await exists(name, '/dev/serial/plc0')).toBe(true);
  }, 60_000);
});

describe('a vPLC that stops on its own', () => {
  it('is disconnected when its container dies, and connected again after the watchdog restarts it', async () => {
    void orch.startLifecycle({ sampleUsage: false, reconcile: false });
    const seen: Array<{ status: string; reason: string | null }> = [];
    const off = orch.onSerialPorts((c) => {
      const p = c.vplc === name ? c.ports[0] : undefined;
      if (p) seen.push({ status: p.status, reason: p.reason });
    });
    await sh('docker', ['kill', name]);
    await waitFor(() => seen, (xs) => xs.some((x) => x.status === 'connected'), { timeoutMs: 30_000, intervalMs: 50, what: 'the port connected after the automatic restart' });
    off();
    expect(seen[0]).toEqual({ status: 'disconnected', reason: 'vPLC not running' });
    expect(seen.at(-1)?.status).toBe('connected');
    expect(await numbers(name, '/dev/serial/plc0')).toBe(`136:${ptsMinor(ptys[1]!.ends[0])}`);
  }, 60_000);
});

describe('the data path through a node', () => {
  const vc = `vt-${run}-vc`;

  it('carries bytes both ways: host tty → node in the container, and node → host tty', async () => {
    await created(orch, { name: vc, runtimeVersion: 'latest', vnics: [], serialPorts: [{ name: 'console', deviceId: CONSOLE, containerPath: '/dev/ttyPLC' }] });
    expect(await waitPort(orch, vc, (s) => s?.status === 'connected', 'the console port connected')).toMatchObject({ major: 4, minor: VT });

    // Into the container: a reader on the node, then a line typed into the host's console.
    const reader = spawn('docker', ['exec', vc, 'head', '-c', '10', '/dev/ttyPLC']);
    let got = '';
    let said = '';
    reader.stdout.on('data', (b: Buffer) => (got += b.toString()));
    reader.stderr.on('data', (b: Buffer) => (said += b.toString()));
    const readerDone = new Promise<number | null>((resolve) => reader.on('exit', resolve));
    // The reader must be reading when the line comes: typed input goes to whoever reads the console.
    await new Promise((r) => setTimeout(r, 500));
    const typeLine = `import fcntl, os, termios\nfd = os.open('/dev/tty${VT}', os.O_RDWR | os.O_NOCTTY)\nfor c in b'hello-plc\\n': fcntl.ioctl(fd, termios.TIOCSTI, bytes([c]))`;
    await sh('python3', ['-c', typeLine]);
    expect(await readerDone, said).toBe(0);
    expect(got).toBe('hello-plc\n');

    // Out of the container: written into the node, it is on the console's screen.
    const mark = `from-plc-${run}`;
    await inContainer(vc, 'sh', '-c', `printf '${mark}' > /dev/ttyPLC`);
    expect(readFileSync(`/dev/vcs${VT}`).toString('latin1')).toContain(mark);
  }, 60_000);
});

describe('port errors and the status without ports', () => {
  const late = `vt-${run}-late`;
  const plain = `vt-${run}-plain`;

  it('a device whose major the container does not allow is an error with the reason, and no node', async () => {
    // Nothing matches at the create: the container allows the USB serial majors (166, 188), not the pty's 136.
    await created(orch, { name: late, runtimeVersion: 'latest', vnics: [], serialPorts: [{ name: 'late', deviceId: LATE, containerPath: '/dev/ttyLATE' }] });
    expect(await waitPort(orch, late, (s) => s?.status === 'disconnected', 'the unmatched port')).toMatchObject({ reason: `no device matches '${LATE}'` });
    host.link(LATE, 'ttyUSB2');
    const p = await waitPort(orch, late, (s) => s?.status === 'error', 'the port in error after the plug');
    expect(p).toMatchObject({
      status: 'error',
      current_host_path: host.node('ttyUSB2'),
      major: 136,
      reason: "device major 136 is not allowed by this vPLC's device rules; it is added when the vPLC is recreated in its change window",
    });
    expect(await exists(late, '/dev/ttyLATE')).toBe(false);
  }, 90_000);

  it('get_device_status has no serial_ports for a vPLC without ports', async () => {
    await created(orch, { name: plain, runtimeVersion: 'latest', vnics: [] });
    const s = await orch.status(plain);
    expect(s.status).toBe('success');
    expect('serial_ports' in s).toBe(false);
    expect((await orch.list()).find((v) => v.name === plain)?.serial_ports).toEqual([]);
  }, 90_000);
});

describe('the node of a new vPLC', () => {
  it('is made as soon as its container runs, not after the runtime answers', async () => {
    const pair = await PtyPair.open();
    const own = new FakeSerialHost();
    let answers = false;
    const early = await openOrchestrator({ serial: { byIdDir: own.byIdDir, sysRoot: own.sysRoot } }, { probe: () => Promise.resolve(answers) });
    try {
      own.addAdapter({ name: 'ttyUSB0', pty: pair.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001' } });
      own.link(FTDI, 'ttyUSB0');
      await waitFor(async () => early.orch.serialDevices().devices.length, (n) => n === 1, { timeoutMs: 5_000, what: 'the adapter discovered' });
      const n = `vt-${run}-early`;
      // While a create runs, get_device_status answers with the operation only: the port's states come as events.
      const seen: SerialPortState[] = [];
      early.orch.onSerialPorts((c) => c.vplc === n && c.ports[0] && seen.push(c.ports[0]));
      expect((await early.orch.create({ name: n, runtimeVersion: 'latest', vnics: [], serialPorts: [PORT] }, 'cli')).status).toBe('creating');
      let settled = false;
      const done = early.orch.settled(n).then(() => (settled = true));
      // The runtime does not answer (runtimeWaitMs is 30 s): the port must connect while the create still waits for it.
      const connected = await waitFor(() => seen.find((s) => s.status === 'connected'), (s) => s !== undefined, { timeoutMs: 15_000, intervalMs: 20, what: 'the port connected before the runtime answered' });
      expect(connected).toMatchObject({ minor: ptsMinor(pair.ends[0]) });
      expect(settled).toBe(false);
      expect((await early.orch.status(n)).status).toBe('creating');
      expect(await numbers(n, '/dev/serial/plc0')).toBe(`136:${ptsMinor(pair.ends[0])}`);
      answers = true;
      await done;
    } finally {
      await early.dispose();
      await pair.close();
      own.dispose();
    }
  }, 90_000);
});
