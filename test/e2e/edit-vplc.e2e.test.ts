// The edit flow of a static IP after a subnet move, in Debian's Chromium against a real headless agent and dockerd:
// the parent of a running static vPLC moves to a disjoint subnet, the detail page's warning links to the edit page,
// the Networks page keeps the vNIC listed as detached, the edit shows its diff before saving and is applied on the
// same container with the same MAC on the wire. Screenshots under test-results/e2e/. Runtime: about 30-60 s on 2 cores.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../electron/core/api/ws-client.js';
import { spawnAgent, type AgentProcess } from '../support/agent-process.js';
import { docker, removeByLabels, STANDIN_REPO, wireLinks } from '../support/docker.js';
import { readdressHost } from '../support/lan.js';
import { testSettingsFile } from '../support/orchestrator.js';
import { tempDir } from '../support/pki.js';
import { CHROMIUM, requireChromium, requireDocker, requireRoot } from '../support/require.js';
import { lanAddress, newRunId, waitFor, workerSlot } from '../support/run.js';
import { createVethParent, type VethParent } from '../support/veth.js';
import { installationIdOf } from '../support/installation.js';

requireDocker();
requireRoot();
requireChromium();

const run = newRunId();
const slot = workerSlot();
const base = lanAddress(slot, 12, 0).replace(/\.0$/, '');
const far = lanAddress(slot, 14, 0).replace(/\.0$/, '');
const name = `vt-${run}-edit`;
const mac = '02:5a:12:00:00:e2';
const shots = path.resolve('test-results/e2e');
const tmp = tempDir('vplc-e2e-edit-');
let agent: AgentProcess;
let browser: Browser;
let page: Page;
let parent: VethParent;
let installation = '';
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  parent = createVethParent(run, 12, `${base}.254/24`);
  agent = spawnAgent(
    ['--no-cloud', '--ui-port', '0', '--data-dir', path.join(tmp.dir, 'data'), '--lock-name', `vt-${run}-ed`, '--settings', tmp.write('settings.json', testSettingsFile()), '--internal-pool', '198.19.97.0/24', '--runtime-image', STANDIN_REPO, '--mtls-dir', path.join(tmp.dir, 'mtls')],
    { VPLC_TOKEN_FILE: path.join(tmp.dir, 'token'), XDG_CONFIG_HOME: path.join(tmp.dir, 'config') },
  );
  const ready = await agent.ready;
  const client = await ApiClient.connect(ready.port, ready.token);
  installation = await installationIdOf(client);
  const created = await client.call('vplc:create', { name, vnics: [{ name: 'vnic1', parentInterface: parent.name, mode: 'static', ip: `${base}.60`, mac }] });
  expect(created.ok).toBe(true);
  await waitFor(() => client.call('vplc:status', { name }), (r) => r.ok && (r.value as { status?: string }).status === 'success', { timeoutMs: 90_000, what: `${name} created` });
  client.close();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(ready.url);
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  parent?.dispose();
  tmp.dispose();
});

describe('editing a static vNIC after a subnet move, in the browser', () => {
  it('links the warning to the edit, shows the diff, and applies it on the same container with the same MAC', async () => {
    const before = await docker.getContainer(name).inspect();
    readdressHost(parent.name, `${base}.254/24`, `${far}.254/24`, null);
    await page.goto(new URL(`#/vplcs/${name}`, page.url()).toString());
    const link = page.getByRole('link', { name: 'Edit the vNIC' });
    await link.waitFor({ timeout: 60_000 });
    await page.getByText(`is outside the new subnet ${far}.0/24`).first().waitFor();
    await page.screenshot({ path: path.join(shots, 'edit-01-detached-warning.png'), fullPage: true });

    await page.goto(new URL('#/network', page.url()).toString());
    const row = page.getByRole('table', { name: 'vNICs' }).getByRole('row', { name: new RegExp(name) });
    await row.getByText('detached', { exact: true }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(shots, 'edit-02-network-detached.png'), fullPage: true });
    await row.getByRole('link', { name: 'Edit the vNIC' }).click();

    await page.getByRole('heading', { level: 1, name: `Edit ${name}` }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/vplcs/${name}/edit`);
    const vnic = page.getByRole('group', { name: 'vNIC 1' });
    expect(await vnic.getByLabel('MAC address').inputValue()).toBe(mac);
    expect(await vnic.getByLabel('Subnet').inputValue()).toBe(`${far}.0/24`);
    await vnic.getByLabel('IP address').fill(`${far}.60`);
    await page.getByRole('button', { name: 'Review changes' }).click();
    // The review replaces the form on the next render: wait for it before reading the list.
    await page.getByRole('heading', { name: 'Changes to save' }).waitFor();
    const diff = page.getByRole('list', { name: 'Changes' });
    expect(await diff.getByRole('listitem').allTextContents()).toEqual([`vnics[0].ip: ${base}.60 → ${far}.60`]);
    await page.screenshot({ path: path.join(shots, 'edit-03-diff.png'), fullPage: true });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Applied' }).waitFor({ timeout: 60_000 });
    await page.getByText('on the same container').waitFor();
    await page.screenshot({ path: path.join(shots, 'edit-04-applied.png'), fullPage: true });

    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    const links = await wireLinks(after.Id, run);
    expect(links.find((l) => l.ipv4.includes(`${far}.60`))?.mac).toBe(mac);

    await page.getByRole('link', { name: `Back to ${name}` }).click();
    await page.getByRole('table', { name: 'Networks' }).getByText(`${far}.60`).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('link', { name: 'Edit the vNIC' }).count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
