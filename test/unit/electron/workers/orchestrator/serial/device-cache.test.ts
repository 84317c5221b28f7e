// Hot-plug (docs/serial.md "Hot-plug"): inotify on a temporary by-id dir and its parent, real pseudo-terminals behind
// the nodes. Plug, unplug, the by-id dir removed with its last link and created again, a burst of four as one resync.
// Latencies are printed, not asserted. Runtime: about 2 s.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialDeviceCache } from '../../../../../../electron/workers/orchestrator/serial/device-cache.js';
import type { SerialChange } from '../../../../../../shared/domain/serial.js';
import { FakeSerialHost, PtyPair } from '../../../../../support/serial.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const ptys: PtyPair[] = [];
let host: FakeSerialHost;
let cache: SerialDeviceCache;
const byId = (n: number): string => `usb-FTDI_FT232R_USB_UART_A${n}-if00-port0`;

/** The next change the cache reports, and how long it took from now. */
function nextChange(c: SerialDeviceCache): Promise<{ change: SerialChange; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const off = c.onChange((change) => {
      off();
      resolve({ change, ms: Math.round(performance.now() - t0) });
    });
  });
}

/** A quiet period longer than the debounce and its cap: anything still pending has run by then. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 900));

beforeAll(async () => {
  for (let i = 0; i < 3; i++) ptys.push(await PtyPair.open());
  host = new FakeSerialHost();
  for (let n = 0; n < 5; n++) {
    host.addAdapter({ name: `ttyUSB${n}`, pty: ptys[Math.floor(n / 2)]?.ends[n % 2] as string, byId: byId(n), usb: { idVendor: '0403', idProduct: '6001', serial: `A${n}` } });
  }
  cache = new SerialDeviceCache({ paths: { byIdDir: host.byIdDir, sysRoot: host.sysRoot }, log: silent });
  await cache.start();
});

afterAll(async () => {
  cache?.close();
  for (const p of ptys) await p.close();
  host?.dispose();
});

describe('SerialDeviceCache', () => {
  it('starts empty when no adapter was ever plugged (no by-id dir, no serial/ dir)', () => {
    expect(cache.current()).toEqual({ devices: [], ports: [] });
  });

  it('sees the first plug, which creates serial/by-id, and reports it as added', async () => {
    const seen = nextChange(cache);
    host.link(byId(0), 'ttyUSB0');
    const { change, ms } = await seen;
    console.log(`serial: first plug (by-id dir created) seen after ${ms} ms`);
    expect(change.added.map((d) => d.device_id)).toEqual([path.join(host.byIdDir, byId(0))]);
    expect(change.removed).toEqual([]);
    expect(change.devices.map((d) => d.serial)).toEqual(['A0']);
    expect(cache.current()).toEqual({ devices: change.devices, ports: [] });
  });

  it('sees a plug into the existing by-id dir', async () => {
    const seen = nextChange(cache);
    host.link(byId(1), 'ttyUSB1');
    const { change, ms } = await seen;
    console.log(`serial: plug seen after ${ms} ms`);
    expect(change.added.map((d) => d.serial)).toEqual(['A1']);
    expect(change.devices.map((d) => d.serial)).toEqual(['A0', 'A1']);
  });

  it('sees an unplug, with the removed device as it was', async () => {
    const before = cache.current().devices.find((d) => d.serial === 'A1');
    const seen = nextChange(cache);
    host.unlink(byId(1));
    const { change, ms } = await seen;
    console.log(`serial: unplug seen after ${ms} ms`);
    expect(change.removed).toEqual([before]);
    expect(change.added).toEqual([]);
    expect(change.devices.map((d) => d.serial)).toEqual(['A0']);
  });

  it('sees the last unplug, which removes the by-id dir and serial/, then a plug that creates them again', async () => {
    const gone = nextChange(cache);
    host.unlink(byId(0));
    const { change } = await gone;
    expect(change.devices).toEqual([]);
    expect(change.removed.map((d) => d.serial)).toEqual(['A0']);
    const back = nextChange(cache);
    host.link(byId(2), 'ttyUSB2');
    const { change: again, ms } = await back;
    console.log(`serial: plug after the by-id dir was removed seen after ${ms} ms`);
    expect(again.added.map((d) => d.serial)).toEqual(['A2']);
  });

  it('a hub with four adapters is one resync and one change', async () => {
    await settle();
    const scans = cache.scans;
    const changes: SerialChange[] = [];
    const off = cache.onChange((c) => changes.push(c));
    const seen = nextChange(cache);
    host.unlink(byId(2));
    for (const n of [0, 1, 3, 4]) host.link(byId(n), `ttyUSB${n}`);
    const { ms } = await seen;
    console.log(`serial: burst of 4 (and 1 unplug) seen after ${ms} ms`);
    await settle();
    off();
    expect(cache.scans - scans).toBe(1);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.added.map((d) => d.serial)).toEqual(['A0', 'A1', 'A3', 'A4']);
    expect(changes[0]?.removed.map((d) => d.serial)).toEqual(['A2']);
  });

  it('stays quiet when nothing about the devices changed', async () => {
    await settle();
    const changes: SerialChange[] = [];
    const off = cache.onChange((c) => changes.push(c));
    const scans = cache.scans;
    await cache.resync();
    off();
    expect(cache.scans).toBe(scans + 1);
    expect(changes).toEqual([]);
  });

  it('keeps watching after the whole serial/ tree is removed at once', async () => {
    const seen = nextChange(cache);
    rmSync(path.dirname(host.byIdDir), { recursive: true });
    expect((await seen).change.devices).toEqual([]);
    const back = nextChange(cache);
    host.link(byId(3), 'ttyUSB3');
    expect((await back).change.devices.map((d) => d.serial)).toEqual(['A3']);
  });

  it('watches nothing once closed', () => {
    const other = new SerialDeviceCache({ paths: { byIdDir: host.byIdDir, sysRoot: host.sysRoot }, log: silent });
    other.close();
    expect(other.current()).toEqual({ devices: [], ports: [] });
  });
});
