// Serial passthrough through the browser only (docs/serial.md): Debian's Chromium (headless, through playwright-core)
// drives the page a real headless agent serves, with the stand-in runtime image on dockerd and a temporary by-id dir
// whose adapter link leads to a real pseudo-terminal (test/support/serial.ts). A vPLC is created in the form with a
// serial port picked from the live device list; its page shows the port connected with the pty's numbers; an unplug
// and a replug of the adapter show on the open page without a reload; the dashboard lists the adapter as used by the
// vPLC. Screenshots under test-results/e2e/. Runtime: about 30-60 s on 2 cores.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowserAgent, type BrowserAgent } from '../support/browser-agent.js';
import { removeByLabels, STANDIN_REPO } from '../support/docker.js';
import { testSettingsFile } from '../support/orchestrator.js';
import { tempDir } from '../support/pki.js';
import { requireChromium, requireDocker } from '../support/require.js';
import { newRunId } from '../support/run.js';
import { FakeSerialHost, PtyPair } from '../support/serial.js';

requireDocker();
requireChromium();

const run = newRunId();
const name = `vt-${run}-ser`;
const FTDI = `usb-FTDI_FT232R_USB_UART_E2E${run}-if00-port0`;
const shots = path.resolve('test-results/e2e');
const tmp = tempDir('vplc-e2e-serial-');
let pty: PtyPair;
let host: FakeSerialHost;
let ui: BrowserAgent | undefined;
let page: Page;
let problems: string[] = [];

const shot = (file: string): Promise<Buffer> => page.screenshot({ path: path.join(shots, `serial-${file}.png`), fullPage: true });
const portRow = (): Locator => page.getByRole('table', { name: `Serial ports of ${name}` }).getByRole('row', { name: /^rtu/ });
const deviceId = (): string => path.join(host.byIdDir, FTDI);
const deviceRow = (): Locator => page.getByRole('table', { name: 'Serial devices' }).getByRole('row', { name: new RegExp(`^${FTDI}`) });

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  pty = await PtyPair.open();
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: pty.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001', serial: `E2E${run}`, manufacturer: 'FTDI', product: 'FT232R USB UART' } });
  host.link(FTDI, 'ttyUSB0');
  ui = await openBrowserAgent({
    dir: tmp.dir,
    lockName: `vt-${run}-sere2e`,
    settingsFile: tmp.write('settings.json', testSettingsFile({ serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } })),
    internalPool: '198.19.84.0/24',
    extraArgs: ['--runtime-image', STANDIN_REPO],
    viewport: { width: 1366, height: 900 },
  });
  page = ui.page;
  problems = ui.problems;
}, 120_000);

afterAll(async () => {
  await ui?.close();
  if (ui?.installation) await removeByLabels({ instance: ui.installation });
  await pty?.close();
  host?.dispose();
  tmp.dispose();
});

describe('a serial port in the browser', () => {
  it('creates a vPLC with a port picked from the live device list, and its page shows the port connected', async () => {
    await page.goto(new URL('#/create', page.url()).toString());
    await page.getByRole('heading', { level: 1, name: 'Create vPLC' }).waitFor();
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Remove vNIC 1' }).click();
    await page.getByRole('button', { name: 'Add serial port' }).click();
    const port = page.getByRole('group', { name: 'Serial port 1' });
    const picker = port.getByLabel('Device', { exact: true });
    await picker.locator('option', { hasText: new RegExp(`^${FTDI} — 0403:6001 FTDI .*, serial E2E${run}, now ${host.node('ttyUSB0')}$`) }).waitFor({ state: 'attached' });
    await picker.selectOption(deviceId());
    expect(await port.getByLabel('Device id', { exact: true }).inputValue()).toBe(deviceId());
    await port.getByText(`Plugged in now at ${host.node('ttyUSB0')}.`).waitFor();
    await port.getByLabel('Port name').fill('rtu');
    expect(await port.getByLabel('Container path').inputValue()).toBe('/dev/ttyRTU0');
    await port.getByLabel('Baud rate').fill('19200');
    await shot('01-form');
    await page.getByRole('button', { name: 'Create vPLC' }).click();
    await page.getByText(`${name} is running.`).waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: `Open ${name}` }).click();
    await portRow().getByText('connected', { exact: true }).waitFor({ timeout: 30_000 });
    const cells = await portRow().getByRole('cell').allTextContents();
    expect(cells.slice(0, 5)).toEqual(['connected', deviceId(), host.node('ttyUSB0'), `136:${path.basename(pty.ends[0])}`, '19200']);
    await shot('02-connected');
  });

  it('shows the unplug and the replug on the open page without a reload', async () => {
    const reloads: string[] = [];
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) reloads.push(f.url());
    });
    host.unlink(FTDI);
    await portRow().getByText('disconnected', { exact: true }).waitFor({ timeout: 10_000 });
    await portRow().getByText(`no device matches '${deviceId()}'`).waitFor();
    expect((await portRow().getByRole('cell').allTextContents())[2]).toBe('—');
    await shot('03-unplugged');
    host.link(FTDI, 'ttyUSB0');
    await portRow().getByText('connected', { exact: true }).waitFor({ timeout: 10_000 });
    expect((await portRow().getByRole('cell').allTextContents())[3]).toBe(`136:${path.basename(pty.ends[0])}`);
    expect(reloads).toEqual([]);
  });

  it('lists the adapter on the dashboard as used by the vPLC, with the port’s status', async () => {
    await page.goto(new URL('#/', page.url()).toString());
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await deviceRow().getByRole('link', { name }).waitFor({ timeout: 15_000 });
    await deviceRow().getByText('connected', { exact: true }).waitFor();
    expect((await deviceRow().getByRole('cell').allTextContents())[0]).toBe(host.node('ttyUSB0'));
    await page.getByRole('table', { name: 'Serial devices' }).scrollIntoViewIfNeeded();
    await shot('04-dashboard');
    expect(problems).toEqual([]);
  });
});
