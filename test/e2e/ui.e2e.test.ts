// The desktop UI end to end: Debian's Chromium (headless, through playwright-core) drives the renderer served by a
// real headless agent over its loopback WebSocket bridge, with the cloud simulator (provisioning + mTLS Socket.IO) and
// dockerd. Enrols, creates a static and a DHCP vPLC through the form on test LANs (veth + network namespace with
// udhcpd), watches the host chart move, stops, starts and deletes, checks that invalid input shows field errors, that
// the log search shows only matching lines and that dark mode really darkens the page; that every page has an address
// that survives a reload and opens in a new tab on middle-click, that no page overflows sideways at 1366×768 or
// 1024×640, that no page load logs a console error or a failed request, and that an open tab re-authenticates after
// an agent restart when given the new address.
// Saves a screenshot of every page under test-results/e2e/. Runtime: about 60-120 s on 2 cores.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../electron/core/api/ws-client.js';
import { CloudSim } from '../cloud-sim/sim.js';
import { spawnAgent, type AgentProcess } from '../support/agent-process.js';
import { removeByLabels, STANDIN_REPO } from '../support/docker.js';
import { testSettingsFile } from '../support/orchestrator.js';
import { createLan, readdressHost, type Lan } from '../support/lan.js';
import { tempDir } from '../support/pki.js';
import { collectProblems, launchChromium, QUIET_CHROMIUM } from '../support/browser.js';
import { requireChromium, requireDocker, requireRoot } from '../support/require.js';
import { lanAddress, newRunId, waitFor, workerSlot } from '../support/run.js';
import { createVethParent, type VethParent } from '../support/veth.js';
import { installationIdOf } from '../support/installation.js';

requireDocker();
requireRoot();
requireChromium();

const run = newRunId();
const slot = workerSlot();
const staticBase = lanAddress(slot, 12, 0).replace(/\.0$/, '');
const dhcpBase = lanAddress(slot, 13, 0).replace(/\.0$/, '');
const staticName = `vt-${run}-static`;
const dhcpName = `vt-${run}-dhcp`;
const shots = path.resolve('test-results/e2e');
const tmp = tempDir('vplc-e2e-');
let sim: CloudSim;
let agent: AgentProcess;
let url = '';
let browser: Browser;
let page: Page;
let staticParent: VethParent;
let dhcpParent: VethParent;
let lan: Lan;
let installation = '';
let agentArgs: string[] = [];
let agentEnv: NodeJS.ProcessEnv = {};
/** Console errors and failed or refused requests seen by the page, in order. */
const problems: string[] = [];

const shot = async (name: string): Promise<void> => {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
};
const nav = async (label: string): Promise<void> => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: label === 'vPLCs' ? 'vPLCs' : label }).waitFor();
};
/** Nothing wider than its box: the document, main, and every card, at both small laptop sizes. */
const checkLayout = async (what: string): Promise<void> => {
  for (const [width, height] of [[1366, 768], [1024, 640]] as const) {
    await page.setViewportSize({ width, height });
    const wide = await page.evaluate(
      `[document.documentElement, ...document.querySelectorAll('main, .card')].filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => (e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth))`,
    );
    expect(wide, `${what} at ${width}×${height}`).toEqual([]);
  }
  await page.setViewportSize({ width: 1366, height: 768 });
};
const pointsOf = async (label: string): Promise<number> => Number(await page.getByRole('img', { name: label, exact: true }).getAttribute('data-points'));

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  staticParent = createVethParent(run, 12, `${staticBase}.254/24`);
  lan = createLan(run, 'u', dhcpBase, { dhcp: true });
  dhcpParent = createVethParent(run, 13);
  lan.plug(dhcpParent.peer);
  readdressHost(dhcpParent.name, null, `${dhcpBase}.254/24`, null);
  sim = await CloudSim.start();
  const caFile = tmp.write('ca.crt', sim.ca.cert);
  agentArgs = [
      '--cloud-url', sim.url, '--mtls-dir', path.join(tmp.dir, 'mtls'), '--ca-file', caFile,
      '--ui-port', '0', '--data-dir', path.join(tmp.dir, 'data'), '--lock-name', `vt-${run}-e2e`,
      '--settings', tmp.write('settings.json', testSettingsFile({ runtimeRepo: STANDIN_REPO })),
      '--internal-pool', '198.19.98.0/24',
  ];
  agentEnv = { VPLC_TOKEN_FILE: path.join(tmp.dir, 'token'), XDG_CONFIG_HOME: path.join(tmp.dir, 'config') };
  agent = spawnAgent(agentArgs, agentEnv);
  const ready = await agent.ready;
  url = ready.url;
  const client = await ApiClient.connect(ready.port, ready.token);
  installation = await installationIdOf(client);
  client.close();
  browser = await launchChromium(['--disable-quic', ...QUIET_CHROMIUM]);
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  collectProblems(page, problems);
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await sim?.close();
  if (installation) await removeByLabels({ instance: installation });
  dhcpParent?.dispose();
  staticParent?.dispose();
  lan?.dispose();
  tmp.dispose();
});

describe('the UI in a real browser against a real agent', () => {
  it('opens on the dashboard with the token from the address and hides it from the address bar', async () => {
    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(page.url()).not.toContain('token=');
    // The icon is inline: nothing asks the server for /favicon.ico, which it does not serve.
    expect(await page.evaluate(`document.querySelector('link[rel~="icon"]')?.href.slice(0, 19)`)).toBe('data:image/svg+xml,');
    await page.getByText('not enrolled').waitFor();
    // The page's CSP forbids eval, so the test polls the attribute instead of page.waitForFunction.
    await waitFor(() => pointsOf('Host CPU'), (n) => n >= 1, { timeoutMs: 30_000, what: 'a first host CPU sample' });
    await shot('01-dashboard-not-enrolled');
  });

  it('enrols through the guided flow and the cloud link comes up', async () => {
    await nav('Enrolment');
    await page.getByText('This PC is not enrolled yet').waitFor();
    await shot('02-enrolment-before');
    await page.getByLabel('Provisioning URL').fill('http://not-tls.invalid');
    await page.getByRole('button', { name: 'Enrol', exact: true }).click();
    await page.getByText('Give the provisioning address as https://').waitFor();
    await page.getByLabel('Provisioning URL').fill(sim.provisionUrl);
    await page.getByRole('button', { name: 'Enrol', exact: true }).click();
    const id = page.getByRole('status', { name: 'Agent ID' }).or(page.locator('output[aria-label="Agent ID"]'));
    await id.first().waitFor({ timeout: 60_000 });
    await page.locator('.steps .step-done').nth(2).waitFor({ timeout: 90_000 });
    const shown = (await page.locator('output[aria-label="Agent ID"]').textContent())?.trim() ?? '';
    expect(sim.provisioning.enrolments).toContainEqual({ id: shown, ok: true });
    await page.getByRole('heading', { name: 'Current certificate' }).waitFor();
    await page.locator('dd.mono', { hasText: shown }).first().waitFor();
    await shot('03-enrolment-done');
    await checkLayout('enrolment');
    await sim.waitForConnection(60_000);
    await nav('Dashboard');
    await page.locator('.sidebar-foot', { hasText: 'cloud: connected' }).waitFor({ timeout: 60_000 });
  });

  it('shows field errors for invalid form input and creates nothing', async () => {
    await nav('vPLCs');
    await page.getByText('No vPLCs on this PC yet').waitFor();
    await shot('04-vplcs-empty');
    await page.getByRole('button', { name: 'Create vPLC' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Create vPLC' }).waitFor();
    await page.getByLabel('Name').fill('-bad name');
    const vnic = page.getByRole('group', { name: 'vNIC 1' });
    await vnic.getByLabel('Host interface').selectOption(staticParent.name);
    await vnic.getByLabel('Static').check();
    await vnic.getByLabel('IP address').fill(`${dhcpBase}.60`);
    await vnic.getByLabel('MAC address').fill('01:00:5e:00:00:01');
    await page.getByRole('button', { name: 'Create vPLC' }).click();
    await page.getByText("Use 2–63 letters, digits, '_', '.' or '-'").waitFor();
    await page.getByText(`${dhcpBase}.60 is not a usable host address in ${staticBase}.0/24.`).waitFor();
    await page.getByText('Use a unicast MAC').waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('vplc-name');
    await shot('05-create-invalid');
    await checkLayout('create with errors');
    await nav('vPLCs');
    await page.getByText('No vPLCs on this PC yet').waitFor();
  });

  it('creates a static vPLC through the form and shows it running with its address', async () => {
    await page.getByRole('button', { name: 'Create vPLC' }).first().click();
    await page.getByLabel('Name').fill(staticName);
    const vnic = page.getByRole('group', { name: 'vNIC 1' });
    await vnic.getByLabel('Host interface').selectOption(staticParent.name);
    expect(await vnic.getByLabel('Subnet').inputValue()).toBe(`${staticBase}.0/24`);
    await vnic.getByLabel('Static').check();
    await vnic.getByLabel('IP address').fill(`${staticBase}.60`);
    await page.getByRole('button', { name: 'Create vPLC' }).click();
    await page.getByRole('heading', { name: `Creating ${staticName}` }).waitFor();
    await shot('06-create-progress');
    await page.getByText(`${staticName} is running.`).waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: `Open ${staticName}` }).click();
    await page.getByRole('table', { name: 'Networks' }).getByText(`${staticBase}.60`).waitFor({ timeout: 30_000 });
  });

  it('creates a DHCP vPLC and shows the leased address', async () => {
    await nav('vPLCs');
    await page.getByRole('button', { name: 'Create vPLC' }).first().click();
    await page.getByLabel('Name').fill(dhcpName);
    const vnic = page.getByRole('group', { name: 'vNIC 1' });
    await vnic.getByLabel('Host interface').selectOption(dhcpParent.name);
    await page.getByRole('button', { name: 'Create vPLC' }).click();
    await page.getByText(`${dhcpName} is running.`).waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: `Open ${dhcpName}` }).click();
    // The leased address, not the gateway (.1) shown beside it.
    await page.getByRole('table', { name: 'Networks' }).getByText(new RegExp(`^${dhcpBase.replace(/\./g, '\\.')}\\.(?!1$)\\d+$`)).waitFor({ timeout: 90_000 });
    await shot('07-vplc-detail-dhcp');
  });

  it('goes back to the form with the input kept after a failed create (an address a LAN device holds)', async () => {
    const name = `vt-${run}-taken`;
    await nav('vPLCs');
    await page.getByRole('button', { name: 'Create vPLC' }).first().click();
    await page.getByLabel('Name').fill(name);
    const vnic = page.getByRole('group', { name: 'vNIC 1' });
    await vnic.getByLabel('Host interface').selectOption(dhcpParent.name);
    await vnic.getByLabel('Static').check();
    // The LAN's peer device holds .20: the agent's ARP probe finds it and the create fails, naming its MAC.
    await vnic.getByLabel('IP address').fill(`${dhcpBase}.20`);
    await page.getByRole('button', { name: 'Create vPLC' }).click();
    await page.getByRole('heading', { name: `Creating ${name} failed` }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Back to the form' }).click();
    const error = page.getByText(new RegExp(`^${name} was not created: IP ${dhcpBase.replace(/\./g, '\\.')}\\.20 is already in use on ${dhcpParent.name} by the device with MAC ([0-9a-f]{2}:){5}[0-9a-f]{2}`));
    await error.waitFor();
    expect(await page.getByLabel('Name').inputValue()).toBe(name);
    expect(await page.getByRole('group', { name: 'vNIC 1' }).getByLabel('IP address').inputValue()).toBe(`${dhcpBase}.20`);
    // The agent named the field (vnics[0].ip): the form marks that field.
    expect(await page.getByRole('group', { name: 'vNIC 1' }).getByLabel('IP address').getAttribute('aria-invalid')).toBe('true');
    await shot('07b-back-to-form');
    // Rolled back: nothing of it is listed.
    await nav('vPLCs');
    await page.getByRole('table', { name: 'vPLCs' }).getByRole('link', { name: dhcpName, exact: true }).waitFor();
    expect(await page.getByRole('link', { name, exact: true }).count()).toBe(0);
  });

  it('lists both running with their addresses and the host chart moves', async () => {
    await nav('vPLCs');
    const table = page.getByRole('table', { name: 'vPLCs' });
    await table.getByRole('row', { name: new RegExp(staticName) }).getByText('running').waitFor({ timeout: 30_000 });
    await table.getByRole('row', { name: new RegExp(dhcpName) }).getByText('running').waitFor({ timeout: 30_000 });
    await shot('08-vplcs-list');
    // Middle-click opens the vPLC in a new tab, authorised (the open tab lends its token) and on the detail page.
    const [tab] = await Promise.all([page.context().waitForEvent('page'), table.getByRole('link', { name: staticName, exact: true }).click({ button: 'middle' })]);
    await tab.getByRole('heading', { level: 1, name: new RegExp(staticName) }).waitFor();
    await tab.getByRole('table', { name: 'Networks' }).getByText(`${staticBase}.60`).waitFor({ timeout: 30_000 });
    expect(await tab.getByRole('alert').count()).toBe(0);
    await tab.close();
    await checkLayout('vPLC list');
    await nav('Dashboard');
    const before = await pointsOf('Host CPU');
    await waitFor(() => pointsOf('Host CPU'), (n) => n > before, { timeoutMs: 30_000, intervalMs: 500, what: 'a new host CPU sample on the chart' });
    expect(await pointsOf('Host CPU')).toBeGreaterThan(before);
    expect(await pointsOf('Host memory')).toBeGreaterThan(0);
    expect(await pointsOf('Host disk')).toBeGreaterThan(0);
    await page.getByText('2 running of 2').or(page.locator('.big-number', { hasText: 'running of 2' })).first().waitFor();
    await shot('09-dashboard-running');
    await checkLayout('dashboard');
  });

  it('shows a DHCP vPLC on a LAN without a DHCP server as created with problems, then degraded with the reason', async () => {
    const name = `vt-${run}-nolease`;
    await nav('vPLCs');
    await page.getByRole('button', { name: 'Create vPLC' }).first().click();
    await page.getByLabel('Name').fill(name);
    const vnic = page.getByRole('group', { name: 'vNIC 1' });
    await vnic.getByLabel('Host interface').selectOption(staticParent.name);
    await page.getByRole('button', { name: 'Create vPLC' }).click();
    await page.getByRole('heading', { name: `Created ${name} with problems` }).waitFor({ timeout: 120_000 });
    await page.getByText(new RegExp(`^${name} was created with problems: no DHCP lease on vNIC 'eth0'|^${name} was created with problems: no DHCP lease on vNIC`)).waitFor();
    await shot('08b-create-with-problems');
    await nav('vPLCs');
    const row = page.getByRole('table', { name: 'vPLCs' }).getByRole('row', { name: new RegExp(name) });
    await row.getByText('degraded').waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toMatch(/no DHCP lease on vNIC/);
    await row.getByRole('link', { name, exact: true }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'vPLCs' }).waitFor();
  });

  it('stops, starts and deletes through the detail page with confirmation', async () => {
    await nav('vPLCs');
    const link = page.getByRole('table', { name: 'vPLCs' }).getByRole('link', { name: staticName, exact: true });
    // A real link, so middle-click opens the vPLC in a new tab.
    expect(await link.getAttribute('href')).toBe(`#/vplcs/${staticName}`);
    await link.click();
    await page.getByRole('heading', { level: 1, name: new RegExp(staticName) }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/vplcs/${staticName}`);
    // A reload stays on the detail page (the token is kept for this tab, the route is in the address).
    await page.reload();
    await page.getByRole('heading', { level: 1, name: new RegExp(staticName) }).waitFor();
    await page.getByRole('table', { name: 'Networks' }).getByText(`${staticBase}.60`).waitFor();
    expect(page.url()).not.toContain('token=');
    await checkLayout('vPLC detail');
    await page.getByRole('table', { name: 'History' }).waitFor();
    await shot('10-vplc-detail-static');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Stop this vPLC?' });
    await dialog.waitFor();
    await shot('11-confirm-stop');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('heading', { level: 1 }).getByText('stopped').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByRole('heading', { level: 1 }).getByText('running').waitFor({ timeout: 60_000 });
    for (const name of [staticName, dhcpName]) {
      await nav('vPLCs');
      await page.getByRole('link', { name, exact: true }).click();
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'vPLCs' }).waitFor();
    }
    await page.getByText('No vPLCs on this PC yet').waitFor({ timeout: 120_000 });
  });

  it('shows the network, logs and settings pages, light and dark', async () => {
    await nav('Network');
    await page.getByRole('table', { name: 'Host interfaces' }).getByText(staticParent.name).waitFor();
    await shot('12-network');
    await checkLayout('network');
    await nav('Logs');
    const log = page.getByRole('table', { name: 'Agent log' });
    await log.waitFor();
    await page.getByLabel('Search the log').fill('Worker');
    // The search matches scope and message, case-insensitively; the page filters while typing (deferred).
    const shown = await waitFor(
      async () => ({ scopes: await log.locator('tbody tr td:nth-child(3)').allInnerTexts(), msgs: await log.locator('tbody tr td:nth-child(4)').allInnerTexts() }),
      ({ scopes, msgs }) => scopes.length > 0 && scopes.every((sc, i) => `${sc} ${msgs[i] ?? ''}`.toLowerCase().includes('worker')),
      { timeoutMs: 10_000, intervalMs: 250, what: 'only log lines that mention "worker"' },
    );
    const [, n, of] = /^(\d+) of (\d+) lines/.exec((await page.getByText(/^\d+ of \d+ lines/).textContent()) ?? '') ?? [];
    expect(Number(n)).toBe(shown.scopes.length);
    expect(Number(n)).toBeLessThan(Number(of));
    await shot('13-logs');
    await checkLayout('logs');
    await page.getByLabel('Search the log').fill(`no-such-line-${run}`);
    await page.getByText('No line matches the filter.').waitFor();
    await nav('Settings');
    // The agent runs with --cloud-url: the page shows that value, read-only, and says which flag set it.
    const cloudUrl = page.getByLabel('Cloud URL');
    expect(await cloudUrl.inputValue()).toBe(sim.url);
    expect(await cloudUrl.getAttribute('readonly')).not.toBeNull();
    await page.getByText(/^Set by --cloud-url; read-only here\./).waitFor();
    // The runtime image comes from the settings file: editable, and checked before saving.
    const repo = page.getByLabel('Runtime image');
    expect(await repo.inputValue()).toBe(STANDIN_REPO);
    await repo.fill(`${STANDIN_REPO}:1.0`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/^An image repository such as .* \(no tag\)\.$/).waitFor();
    await repo.fill(STANDIN_REPO);
    await page.getByLabel('Log level').selectOption('debug');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText(/^Saved/).waitFor();
    await shot('14-settings');
    await checkLayout('settings');
    // Back and forward walk the pages through the address.
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Logs' }).waitFor();
    await page.goForward();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await nav('Dashboard');
    const colours = async (): Promise<{ bg: string; text: string }> => ({
      bg: String(await page.evaluate('getComputedStyle(document.body).backgroundColor')),
      text: String(await page.evaluate('getComputedStyle(document.body).color')),
    });
    const lightness = (rgb: string): number => (rgb.match(/\d+/g) ?? []).slice(0, 3).reduce((sum, c) => sum + Number(c), 0);
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await colours();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await colours();
    await shot('15-dashboard-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    // Dark mode is a dark page with light text, not just another screenshot.
    expect(dark.bg).not.toBe(light.bg);
    expect(lightness(dark.bg)).toBeLessThan(lightness(light.bg));
    expect(lightness(dark.text)).toBeGreaterThan(lightness(dark.bg));
    expect(lightness(light.text)).toBeLessThan(lightness(light.bg));
  });

  it('logged no console error and no failed request on any page so far', () => {
    expect(problems).toEqual([]);
  });

  it('re-authenticates an open tab after an agent restart when given the new address, without a reload', async () => {
    await nav('Network');
    const port = new URL(url).port;
    await agent.stop();
    const portAt = agentArgs.indexOf('--ui-port');
    agentArgs[portAt + 1] = port;
    agent = spawnAgent(agentArgs, agentEnv);
    const ready = await agent.ready;
    expect(ready.token).not.toBe(new URL(url).hash.replace('#token=', ''));
    // The old token is refused: the banner says where the new address is.
    const banner = page.getByRole('alert');
    await banner.getByText('vplc-orchestrator status').waitFor({ timeout: 60_000 });
    await shot('16-unauthorised');
    await page.evaluate('window.sameDocument = true');
    await page.goto(ready.url);
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByRole('heading', { level: 1, name: 'Network' }).waitFor();
    await page.getByRole('table', { name: 'Host interfaces' }).getByText(staticParent.name).waitFor({ timeout: 30_000 });
    expect(await page.evaluate('window.sameDocument === true')).toBe(true);
    expect(new URL(page.url()).hash).toBe('#/network');
    // A reload keeps the new token.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Network' }).waitFor();
    await page.getByRole('table', { name: 'Host interfaces' }).getByText(staticParent.name).waitFor({ timeout: 30_000 });
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
  });
});
