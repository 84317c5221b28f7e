// Live variables in the browser (docs/debug.md "Live variables"): Debian's Chromium (headless, through playwright-core)
// on the page a real headless agent serves, a vPLC running the stand-in runtime image (with its debug namespace) whose
// program bundle carried debug-map.json. The view opens closed; opened, it shows the map's names with values that
// move; a force after the value check and the confirmation is visible in the next read, marked forced; a release ends
// it. Needs the runtime debug sessions of the orchestrator. Screenshots under test-results/e2e/.
// Runtime: about 60-90 s on 2 cores.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../electron/core/api/ws-client.js';
import { DebugMapView } from '../../shared/debug/live.js';
import { storedZip } from '../images/program-zip.js';
import { openBrowserAgent, type BrowserAgent } from '../support/browser-agent.js';
import { removeByLabels, STANDIN_REPO } from '../support/docker.js';
import { testSettingsFile } from '../support/orchestrator.js';
import { tempDir } from '../support/pki.js';
import { requireChromium, requireDocker } from '../support/require.js';
import { internalPoolFor, newRunId, waitFor, workerSlot } from '../support/run.js';

requireDocker();
requireChromium();

const run = newRunId();
const name = `vt-${run}-lve`;
const shots = path.resolve('test-results/e2e');
const tmp = tempDir('vplc-e2e-livevars-');
const MAP_TEXT = readFileSync(path.resolve(__dirname, '../fixtures/openplc-runtime-v4.1.4/debug/debug-map.json'), 'utf8');
let ui: BrowserAgent | undefined;
let client: ApiClient | undefined;
let page: Page;

const shot = (file: string): Promise<Buffer> => page.screenshot({ path: path.join(shots, `livevars-${file}.png`), fullPage: true });
const view = (): Locator => page.locator('section', { has: page.getByRole('heading', { level: 2, name: 'Live variables' }) });
const row = (p: string): Locator => view().getByRole('table', { name: `Live variables of ${name}` }).getByRole('row', { name: new RegExp(p.replace(/\./g, '\\.')) });
const valueCell = (p: string): Locator => row(p).locator('td').nth(1);

async function agentCall(channel: string, input: unknown): Promise<unknown> {
  const r = await client!.call(channel as never, input as never);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  ui = await openBrowserAgent({ dir: tmp.dir, lockName: `vt-${run}-lve2e`, settingsFile: tmp.write('settings.json', testSettingsFile({ runtimeRepo: STANDIN_REPO })), internalPool: internalPoolFor(workerSlot()) });
  page = ui.page;
  const ready = await ui.agent.ready;
  client = await ApiClient.connect(ready.port, ready.token);
  await agentCall('vplc:create', { name, vnics: [] });
  await waitFor(() => client!.call('vplc:status', { name }), (r) => r.ok && (r.value as { status?: string }).status === 'success', { timeoutMs: 120_000, what: `${name} created` });
  await agentCall('plc:create-user', { name, username: 'engineer', password: `Pw-lv-${run}` });
  const bundle = path.join(tmp.dir, 'blink.zip');
  writeFileSync(bundle, storedZip({ 'src/configuration.cpp': '// blink\n', 'debug-map.json': MAP_TEXT }));
  await agentCall('plc:upload', { name, path: bundle, confirm: true });
  const map = DebugMapView.parse(await agentCall('plc:debug-map', { name }));
  if (map.md5_ok === false && map.runtime_md5) {
    // The stand-in names its own md5 for the program: the same map under that md5.
    const file = tmp.write('debug-map.json', JSON.stringify({ ...JSON.parse(MAP_TEXT), md5: map.runtime_md5 }));
    await agentCall('plc:debug-map-load', { name, path: file });
  }
}, 240_000);

afterAll(async () => {
  client?.close();
  await ui?.close();
  if (ui?.installation) await removeByLabels({ instance: ui.installation });
  tmp.dispose();
});

describe('live variables in the browser', () => {
  it('opens closed, then shows the map\'s names with values that move', async () => {
    await page.goto(new URL(`#/vplcs/${name}`, page.url()).toString());
    await page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor();
    await view().getByText('The runtime is asked for values only while this view is open.').waitFor();
    await view().getByRole('button', { name: 'Open live view' }).click();
    for (const leaf of JSON.parse(MAP_TEXT).leaves as Array<{ path: string; type: string }>) await row(leaf.path).getByRole('cell', { name: leaf.type, exact: true }).waitFor({ timeout: 20_000 });
    const first = (await valueCell('INSTANCE0.COUNTER').textContent()) ?? '';
    expect(first).toMatch(/^-?\d+$/);
    await waitFor(() => valueCell('INSTANCE0.COUNTER').textContent(), (t) => t !== first && /^-?\d+$/.test(t ?? ''), { timeoutMs: 10_000, intervalMs: 200, what: 'COUNTER moving on the page' });
    await shot('01-open');
  });

  it('forces a value after the check and the confirmation, shows it forced in the next read, and releases it', async () => {
    await row('INSTANCE0.COUNTER').getByRole('button', { name: 'Force INSTANCE0.COUNTER' }).click();
    const dialog = page.getByRole('dialog', { name: 'Force INSTANCE0.COUNTER?' });
    await dialog.getByLabel('Value (INT)').fill('40000');
    await dialog.getByRole('button', { name: 'Force', exact: true }).click();
    await dialog.getByText('40000 is out of range for INT (-32768 to 32767)').waitFor();
    await dialog.getByLabel('Value (INT)').fill('12345');
    await dialog.getByRole('button', { name: 'Force', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await view().getByText('INSTANCE0.COUNTER is forced to 12345').waitFor();
    await row('INSTANCE0.COUNTER').getByText('forced', { exact: true }).waitFor({ timeout: 5_000 });
    expect(await valueCell('INSTANCE0.COUNTER').textContent()).toBe('12345');
    await shot('02-forced');
    await row('INSTANCE0.COUNTER').getByRole('button', { name: 'Release INSTANCE0.COUNTER' }).click();
    const confirm = page.getByRole('dialog', { name: 'Release INSTANCE0.COUNTER?' });
    await confirm.getByRole('button', { name: 'Release', exact: true }).click();
    await waitFor(() => valueCell('INSTANCE0.COUNTER').textContent(), (t) => t !== '12345', { timeoutMs: 10_000, intervalMs: 200, what: 'COUNTER running again' });
    expect(await row('INSTANCE0.COUNTER').getByText('forced', { exact: true }).count()).toBe(0);
  });

  it('reads nothing once closed', async () => {
    await view().getByRole('button', { name: 'Close live view' }).click();
    await view().getByText('The runtime is asked for values only while this view is open.').waitFor();
    expect(await view().getByRole('table').count()).toBe(0);
  });
});
