// Dedicated NICs and WiFi vNICs through the browser only (docs/host-nics.md): Debian's Chromium (headless, through
// playwright-core) drives the page a real headless agent serves, with the stand-in runtime image on dockerd.
// - A veth pair stands for a fieldbus port: its host end (a neutral `vtd…` name) is given whole to a vPLC in the create
//   form; the vPLC page shows it inside, the host no longer has it, the list shows the marker; a stop from the page
//   hands it back (the page says so, the host has it again), a start moves it in again, a delete of the running vPLC
//   leaves it on the host.
// - A veth whose host end is named `wlx…` (with a host address) stands for a WiFi NIC: the form shows the proxy-ARP note
//   when it is chosen; a static vNIC on it (IP and gateway) is routed through the host, and the vPLC page says
//   "WiFi proxy ARP" with the reason.
// Screenshots under test-results/e2e/. Runtime: about 60-120 s on 2 cores.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostVethName } from '../../electron/workers/orchestrator/wifi/naming.js';
import { openBrowserAgent, type BrowserAgent } from '../support/browser-agent.js';
import { docker, removeByLabels, STANDIN_REPO } from '../support/docker.js';
import { createLanPeer, type LanPeer } from '../support/lan-peer.js';
import { testSettingsFile } from '../support/orchestrator.js';
import { tempDir } from '../support/pki.js';
import { requireChromium, requireDocker, requireRoot } from '../support/require.js';
import { internalPoolFor, lanAddress, lanSubnet, newRunId, waitFor, workerSlot } from '../support/run.js';
import { createWifiParent, type WifiParent } from '../support/wifi-parent.js';

requireDocker();
requireRoot();
requireChromium();

const run = newRunId();
const slot = workerSlot();
const W = 7;
// Neutral names: `veth*` is on the parent policy's fixed refusal list; `vtd…` is not.
const NIC = `vtd${run}`;
const PEER = `vtd${run}p`;
const SEG = `vt-${run}-seg`;
const ecat = `vt-${run}-ecat`;
const wifi = `vt-${run}-wifi`;
const wifiIp = lanAddress(slot, W, 50);
const wifiGw = lanAddress(slot, W, 1);
const shots = path.resolve('test-results/e2e');
const tmp = tempDir('vplc-e2e-hostnic-');
let wlx: WifiParent | undefined;
let wifiPeer: LanPeer | undefined;
let ui: BrowserAgent | undefined;
let page: Page;
let problems: string[] = [];

const sh = (...args: string[]): string => execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const quiet = (...args: string[]): void => void spawnSync(args[0] as string, args.slice(1), { stdio: 'ignore' });
/** `ip link show <nic>` on the host: whether the host has the link. */
const onHost = (nic: string): boolean => spawnSync('ip', ['link', 'show', nic], { stdio: 'ignore' }).status === 0;
const shot = (file: string): Promise<Buffer> => page.screenshot({ path: path.join(shots, `host-nics-${file}.png`), fullPage: true });

const openCreate = async (): Promise<void> => {
  await page.goto(new URL('#/create', page.url()).toString());
  await page.getByRole('heading', { level: 1, name: 'Create vPLC' }).waitFor();
};
const openDetail = async (name: string): Promise<void> => {
  await page.goto(new URL(`#/vplcs/${name}`, page.url()).toString());
  await page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor();
};
const openList = async (): Promise<void> => {
  await page.goto(new URL('#/vplcs', page.url()).toString());
  await page.getByRole('heading', { level: 1, name: 'vPLCs' }).waitFor();
};
const dedicatedCard = (): Locator => page.getByRole('group', { name: `Dedicated port ${NIC}` });
const confirmIn = async (title: string, button: string): Promise<void> => {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
};
const deleteFromDetail = async (name: string): Promise<void> => {
  await openDetail(name);
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await confirmIn('Delete this vPLC?', 'Delete');
  await page.getByRole('heading', { level: 1, name: 'vPLCs' }).waitFor({ timeout: 60_000 });
  await waitFor(() => docker.getContainer(name).inspect().then(() => true, () => false), (there) => !there, { timeoutMs: 60_000, what: `${name} removed` });
};

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  // The fieldbus segment: the port's peer in a namespace of its own, so the port is a link with a far end.
  quiet('ip', 'netns', 'del', SEG);
  sh('ip', 'netns', 'add', SEG);
  quiet('ip', 'link', 'del', NIC);
  sh('ip', 'link', 'add', NIC, 'type', 'veth', 'peer', 'name', PEER);
  sh('ip', 'link', 'set', PEER, 'netns', SEG);
  sh('ip', '-n', SEG, 'link', 'set', PEER, 'up');
  sh('ip', 'link', 'set', NIC, 'up');
  wlx = createWifiParent(run, W, `${lanAddress(slot, W, 254)}/24`);
  wifiPeer = createLanPeer(run, 'wp', wlx.peer, `${lanAddress(slot, W, 20)}/24`);
  ui = await openBrowserAgent({
    dir: tmp.dir,
    lockName: `vt-${run}-nice2e`,
    settingsFile: tmp.write('settings.json', testSettingsFile({ parentPolicy: { allow: ['vt*', `wlx${run}*`] } })),
    internalPool: internalPoolFor(slot),
    extraArgs: ['--runtime-image', STANDIN_REPO],
    viewport: { width: 1366, height: 900 },
  });
  page = ui.page;
  problems = ui.problems;
}, 120_000);

afterAll(async () => {
  await ui?.close();
  if (ui?.installation) await removeByLabels({ instance: ui.installation });
  quiet('ip', 'link', 'del', NIC);
  quiet('ip', 'netns', 'del', SEG);
  wifiPeer?.dispose();
  wlx?.dispose();
  tmp.dispose();
});

describe('a dedicated NIC in the browser', () => {
  it('is given to a vPLC in the create form; the page shows it inside, the host no longer has it, the list shows the marker', async () => {
    expect(onHost(NIC)).toBe(true);
    await openCreate();
    await page.getByLabel('Name').fill(ecat);
    await page.getByRole('button', { name: 'Remove vNIC 1' }).click();
    const pick = page.getByLabel('Give this Ethernet port to the vPLC');
    await pick.locator('option', { hasText: new RegExp(`^${NIC} \\(`) }).waitFor({ state: 'attached' });
    // The WiFi stand-in is listed but cannot be given away, with the reason.
    expect(await pick.locator('option', { hasText: `${wlx?.name} — WiFi` }).isDisabled()).toBe(true);
    await pick.selectOption(NIC);
    await shot('01-dedicated-form');
    await page.getByRole('button', { name: 'Create vPLC' }).click();
    await page.getByText(`${ecat} is running.`).waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: `Open ${ecat}` }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(ecat) }).waitFor();
    await dedicatedCard().getByText('inside the vPLC', { exact: true }).waitFor({ timeout: 30_000 });
    expect(onHost(NIC)).toBe(false);
    // It is in the vPLC's namespace under its own name.
    const pid = (await docker.getContainer(ecat).inspect()).State.Pid;
    expect(sh('nsenter', '-t', String(pid), '-n', 'ip', 'link', 'show', NIC)).toContain(NIC);
    await shot('02-dedicated-inside');
    await openList();
    const row = page.getByRole('table', { name: 'vPLCs' }).getByRole('row', { name: new RegExp(ecat) });
    await row.getByText(`NIC ${NIC}: inside`, { exact: true }).waitFor({ timeout: 15_000 });
    // Gone from the host, yet listed on the Network page as the vPLC's, and not offered to another vPLC.
    await page.goto(new URL('#/network', page.url()).toString());
    await page.getByRole('heading', { level: 1, name: 'Network' }).waitFor();
    const ifRow = page.getByRole('table', { name: 'Host interfaces' }).getByRole('row', { name: new RegExp(`^${NIC} ethernet`) });
    await ifRow.getByRole('link', { name: ecat, exact: true }).waitFor({ timeout: 15_000 });
    await openCreate();
    const taken = page.getByLabel('Give this Ethernet port to the vPLC').locator('option', { hasText: `${NIC} — already dedicated to ${ecat}` });
    await taken.waitFor({ state: 'attached' });
    expect(await taken.isDisabled()).toBe(true);
  });

  it('is back on the host after a stop from the page, inside again after a start, and on the host after a delete', async () => {
    await openDetail(ecat);
    await dedicatedCard().getByText('inside the vPLC', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await confirmIn('Stop this vPLC?', 'Stop');
    await page.getByRole('heading', { level: 1 }).getByText('stopped').waitFor({ timeout: 60_000 });
    await dedicatedCard().getByText('back on the host (vPLC stopped)', { exact: true }).waitFor({ timeout: 15_000 });
    // Handed back before the container stopped: a veth moved into it would otherwise have died with its namespace.
    expect(onHost(NIC)).toBe(true);
    await shot('03-dedicated-stopped');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByRole('heading', { level: 1 }).getByText('running').waitFor({ timeout: 60_000 });
    await dedicatedCard().getByText('inside the vPLC', { exact: true }).waitFor({ timeout: 30_000 });
    expect(onHost(NIC)).toBe(false);
    await deleteFromDetail(ecat);
    expect(onHost(NIC)).toBe(true);
    // The form offers the port again once netmon reports it back (after its debounce), without a reload.
    await openCreate();
    const again = page.getByLabel('Give this Ethernet port to the vPLC').locator('option', { hasText: new RegExp(`^${NIC} \\(up`) });
    await again.waitFor({ state: 'attached', timeout: 20_000 });
    expect(await again.isDisabled()).toBe(false);
  });
});

describe('a WiFi vNIC in the browser', () => {
  it('shows the proxy-ARP note for a WiFi parent; a static vNIC on it is routed with proxy ARP, and the page says why', async () => {
    if (!wlx) throw new Error('no WiFi stand-in');
    const parent = wlx.name;
    await openCreate();
    await page.getByLabel('Name').fill(wifi);
    const vnic = page.getByRole('group', { name: 'vNIC 1' });
    const parentPick = vnic.getByLabel('Host interface');
    await parentPick.locator('option', { hasText: parent }).waitFor({ state: 'attached' });
    await parentPick.selectOption(parent);
    const note = vnic.getByRole('note').filter({ hasText: `${parent} is WiFi` });
    await note.waitFor();
    expect(await note.textContent()).toContain(`answers ARP for the vNIC’s address on ${parent} (proxy ARP)`);
    await vnic.getByRole('radio', { name: 'Static' }).check();
    await vnic.getByLabel('IP address').fill(wifiIp);
    // The form's own check: a static WiFi vNIC without a gateway is not sent.
    await page.getByRole('button', { name: 'Create vPLC' }).click();
    await vnic.getByText(`A static vNIC on WiFi needs its gateway: ${parent} routes its traffic there.`).waitFor();
    await vnic.getByLabel('Gateway').fill(wifiGw);
    expect(await vnic.getByLabel('Subnet').inputValue()).toBe(lanSubnet(slot, W));
    await shot('04-wifi-form');
    await page.getByRole('button', { name: 'Create vPLC' }).click();
    await page.getByText(`${wifi} is running.`).waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: `Open ${wifi}` }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(wifi) }).waitFor();
    const modeRow = page.getByRole('table', { name: `vNIC modes of ${wifi}` }).getByRole('row', { name: /^vnic1/ });
    await modeRow.getByText('WiFi proxy ARP', { exact: true }).waitFor({ timeout: 30_000 });
    const cells = await modeRow.getByRole('cell').allTextContents();
    expect(cells[0]).toBe(parent);
    expect(cells[2]).toBe(`parent ${parent} is WiFi: access points drop frames from unknown MACs, so this vNIC is routed through the host with proxy ARP`);
    // The host routes the address to the vPLC through the bridge's veth.
    const veth = hostVethName(wifi, 'vnic1', 1);
    expect(cells[1]).toContain(veth);
    expect(sh('ip', '-4', 'route', 'show', `${wifiIp}/32`)).toContain(`dev ${veth}`);
    const net = page.getByRole('table', { name: 'Networks' }).getByRole('row', { name: new RegExp(`^wifi_${parent}_vnic1`) });
    expect((await net.getByRole('cell').allTextContents())[0]).toContain(wifiIp);
    await shot('05-wifi-modes');
    await deleteFromDetail(wifi);
    expect(sh('ip', '-4', 'route', 'show', `${wifiIp}/32`).trim()).toBe('');
    expect(onHost(veth)).toBe(false);
    expect(problems).toEqual([]);
  });
});
