// The PLC inside a vPLC end to end, through the browser only: Debian's Chromium (headless, through playwright-core)
// drives the page a real headless agent serves, with the stand-in runtime image on dockerd. A vPLC without vNICs is
// created through the form; its PLC card creates the runtime's first user, uploads a program bundle through the file
// chooser (compile progress, SUCCESS), stops and starts the PLC; the scan-cycle figures grow in the task table and on
// the charts; a failing compile shows FAILED with the compiler's log; a core crash shows a PLC fault in the card and
// the list while the container keeps running; an edit is held while the PLC program runs, with the reason on the page,
// and applies by itself once the PLC is stopped from the card; the credentials are forgotten from the card, and the
// password is then in no file and never in the agent's output.
// Screenshots under test-results/e2e/.
// Runtime: about 90-150 s on 2 cores.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Label } from '../../electron/workers/orchestrator/docker/labels.js';
import { storedZip } from '../images/program-zip.js';
import { call, containerIp } from '../integration/images/standin-container.js';
import type { AgentProcess } from '../support/agent-process.js';
import { openBrowserAgent, type BrowserAgent } from '../support/browser-agent.js';
import { docker, removeByLabels, STANDIN_REPO } from '../support/docker.js';
import { testSettingsFile } from '../support/orchestrator.js';
import { tempDir } from '../support/pki.js';
import { requireChromium, requireDocker } from '../support/require.js';
import { newRunId, waitFor } from '../support/run.js';

requireDocker();
requireChromium();

const run = newRunId();
const name = `vt-${run}-plc`;
const USER = 'engineer';
const PASSWORD = `Pw-e2e-${run}-secret`;
const shots = path.resolve('test-results/e2e');
const tmp = tempDir('vplc-e2e-plc-');
const zipFile = (file: string, entries: Record<string, string>): string => {
  const p = path.join(tmp.dir, file);
  writeFileSync(p, storedZip(entries));
  return p;
};
const goodZip = zipFile('line-program.zip', { 'src/configuration.cpp': '// configuration\n', 'src/Res0.cpp': '// resource\n' });
let ui: BrowserAgent | undefined;
let agent: AgentProcess;
let page: Page;
let installation = '';
/** Console errors and failed requests seen by the page, in order. */
let problems: string[] = [];

const shot = (file: string): Promise<Buffer> => page.screenshot({ path: path.join(shots, `plc-${file}.png`), fullPage: true });
const card = (): Locator => page.locator('section.plc-card');
const cardBadge = (text: string): Locator => card().locator('#plc-h .badge', { hasText: new RegExp(`^${text}$`) });
const listRow = (): Locator => page.getByRole('table', { name: 'vPLCs' }).getByRole('row', { name: new RegExp(name) });
const openDetail = async (): Promise<void> => {
  await page.goto(new URL(`#/vplcs/${name}`, page.url()).toString());
  await page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor();
};
const openList = async (): Promise<void> => {
  await page.goto(new URL('#/vplcs', page.url()).toString());
  await page.getByRole('heading', { level: 1, name: 'vPLCs' }).waitFor();
};
const container = async (): Promise<{ id: string; startedAt: string; running: boolean } | null> => {
  const c = await docker.getContainer(name).inspect().catch(() => null);
  return c ? { id: c.Id, startedAt: c.State.StartedAt, running: c.State.Running } : null;
};
/** The task table's scan count of the first task. */
const scans = async (): Promise<number> => Number(await card().getByRole('table', { name: 'Scan cycle per task (min / avg / max)' }).locator('tbody tr').first().locator('td').last().textContent());
const chartPoints = async (): Promise<number> => Number(await page.getByRole('img', { name: `Scan time, avg of ${name}`, exact: true }).getAttribute('data-points'));
const confirmIn = async (title: string, button: string): Promise<void> => {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
};

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  ui = await openBrowserAgent({
    dir: tmp.dir,
    lockName: `vt-${run}-plce2e`,
    settingsFile: tmp.write('settings.json', testSettingsFile({ runtimeRepo: STANDIN_REPO, plc: { pollMs: 1_000 } })),
    internalPool: '198.19.86.0/24',
  });
  ({ agent, page, installation, problems } = ui);
}, 120_000);

afterAll(async () => {
  await ui?.close();
  const labelled = installation || (await docker.getContainer(name).inspect().then((c) => c.Config.Labels?.[Label.instance] ?? '', () => ''));
  if (labelled) await removeByLabels({ instance: labelled });
  tmp.dispose();
});

describe('the PLC of a vPLC in the browser', () => {
  it('creates a vPLC without vNICs whose PLC card says not connected', async () => {
    await openList();
    await page.getByRole('button', { name: 'Create vPLC' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Create vPLC' }).waitFor();
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Remove vNIC 1' }).click();
    await page.getByRole('button', { name: 'Create vPLC' }).click();
    await page.getByText(`${name} is running.`).waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: `Open ${name}` }).click();
    await cardBadge('not connected').waitFor({ timeout: 30_000 });
    await card().getByText('Not connected.', { exact: false }).first().waitFor();
    await shot('01-not-connected');
  });

  it("creates the runtime's first user from the card, and the card connects: no program", async () => {
    await card().getByRole('button', { name: /create its first user/ }).click();
    const form = card().getByRole('form', { name: "Create the runtime's first user" });
    await form.getByLabel('User name').fill(USER);
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Create user' }).click();
    await cardBadge('no program').waitFor({ timeout: 30_000 });
    const facts = card().locator('dl.facts');
    await facts.getByText('connected', { exact: true }).waitFor();
    await facts.getByText('none loaded', { exact: true }).waitFor();
    await facts.getByText(USER, { exact: true }).waitFor();
    expect(await card().getByText('runtime says EMPTY').count()).toBe(1);
    // The password is nowhere on the page.
    expect(await page.content()).not.toContain(PASSWORD);
    await shot('02-connected-empty');
  });

  it('uploads a program bundle through the file chooser with a confirm, compiles it, and starts the PLC from the card', async () => {
    const program = card().getByRole('form', { name: 'Program' });
    await program.getByLabel('Program bundle (.zip)').setInputFiles(goodZip);
    await program.getByRole('button', { name: 'Upload program' }).click();
    await confirmIn('Replace the PLC program?', 'Upload and compile');
    // The fake compile takes about 3 s cold: its steps show while it runs.
    await program.locator('.compile .badge', { hasText: /^(UNZIPPING|COMPILING)$/ }).waitFor({ timeout: 15_000 });
    await shot('03-compiling');
    await program.locator('.compile .badge', { hasText: /^SUCCESS$/ }).waitFor({ timeout: 30_000 });
    await program.getByText('The program compiled; the PLC runs it now.').waitFor();
    const compilerLog = (await program.getByLabel("The compiler's log", { exact: true }).textContent()) ?? '';
    expect(compilerLog).toContain('Build finished successfully');
    // One line per line: the runtime's own line ends do not double-space the log.
    expect(compilerLog.split('\n').filter((l) => l.trim() === '')).toEqual([]);
    await shot('04-compiled');

    // The compiled program runs: stop it, then start it again, each after a confirm.
    await cardBadge('RUNNING').waitFor({ timeout: 20_000 });
    await card().getByRole('button', { name: 'Stop PLC' }).click();
    await confirmIn('Stop the PLC program?', 'Stop PLC');
    await cardBadge('STOPPED').waitFor({ timeout: 20_000 });
    await card().getByText('(the runtime answered STOP:OK)', { exact: false }).waitFor();
    await card().getByRole('button', { name: 'Start PLC' }).click();
    await confirmIn('Start the PLC program?', 'Start PLC');
    await cardBadge('RUNNING').waitFor({ timeout: 20_000 });
    await card().getByText('(the runtime answered START:OK)', { exact: false }).waitFor();
    await card().locator('dl.facts').getByText('loaded', { exact: true }).waitFor();
    await openList();
    await listRow().locator('.badge', { hasText: /^RUNNING$/ }).waitFor({ timeout: 20_000 });
    await shot('05-list-running');
  });

  it('shows the scan-cycle figures growing in the task table and on the charts', async () => {
    await openDetail();
    await cardBadge('RUNNING').waitFor({ timeout: 20_000 });
    const table = card().getByRole('table', { name: 'Scan cycle per task (min / avg / max)' });
    await table.getByRole('rowheader', { name: 'TASK0' }).waitFor({ timeout: 20_000 });
    const first = await waitFor(scans, (n) => n > 0, { timeoutMs: 20_000, what: 'a first scan count' });
    // The detail page reads the status every 5 s; the agent polls the runtime every second.
    await waitFor(scans, (n) => n > first, { timeoutMs: 30_000, intervalMs: 500, what: 'a growing scan count' });
    const points = await waitFor(chartPoints, (n) => n >= 1, { timeoutMs: 40_000, intervalMs: 500, what: 'scan-time points on the chart' });
    // The charts reload every 15 s: by then the agent has sampled several more polls.
    await waitFor(chartPoints, (n) => n > points, { timeoutMs: 40_000, intervalMs: 500, what: 'the scan-time chart gaining points' });
    await shot('06-scan-cycle');
  });

  it('shows a failing compile as FAILED with the compiler’s log', async () => {
    const bad = zipFile('broken-program.zip', { 'src/configuration.cpp': '// configuration\n', 'src/compile-error.cpp': '// does not compile\n' });
    const program = card().getByRole('form', { name: 'Program' });
    await program.getByLabel('Program bundle (.zip)').setInputFiles(bad);
    await program.getByRole('button', { name: 'Upload program' }).click();
    await confirmIn('Replace the PLC program?', 'Upload and compile');
    await program.locator('.compile .badge', { hasText: /^FAILED$/ }).waitFor({ timeout: 30_000 });
    await program.getByText('The compile FAILED: see the compiler’s log above.').waitFor();
    const log = program.getByLabel("The compiler's log (failed)", { exact: true });
    expect(await log.textContent()).toContain('Compilation failed');
    expect(await log.textContent()).toContain('compile-error');
    await shot('07-compile-failed');
    // The program that ran before keeps running.
    await cardBadge('RUNNING').waitFor({ timeout: 20_000 });
  });

  it('shows a core crash as a PLC fault in the card and the list while the container keeps running, without a restart', async () => {
    const before = await container();
    expect(before?.running).toBe(true);
    const ip = await containerIp(name);
    const crashed = await call({ ip, method: 'POST', path: '/standin/crash?ms=20000' });
    expect(crashed.status).toBe(200);
    await cardBadge('PLC fault').waitFor({ timeout: 20_000 });
    await card().getByRole('alert').getByText(/PLC fault\s+since .*the runtime reports its PLC core crashed and is restarting it, while the container keeps running/).waitFor();
    await shot('08-plc-fault');
    await page.locator('dt', { hasText: /^Restarts$/ }).locator('+ dd').getByText(/^0/).waitFor();
    await openList();
    await listRow().locator('.badge', { hasText: /^PLC fault$/ }).waitFor({ timeout: 20_000 });
    await shot('09-list-plc-fault');
    expect(await container()).toEqual(before);
    // The runtime restarts its core by itself: the fault clears, the container was never restarted.
    await listRow().locator('.badge', { hasText: /^RUNNING$/ }).waitFor({ timeout: 40_000 });
    expect(await container()).toEqual(before);
  });

  it('holds an edit while the PLC program runs, says why, and applies it by itself once the PLC is stopped from the card', async () => {
    const before = await container();
    await openDetail();
    await cardBadge('RUNNING').waitFor({ timeout: 20_000 });
    // The journal tells the two uploads by their compile's end.
    const history = page.getByRole('table', { name: 'History' });
    await history.getByRole('row', { name: /plc-upload/ }).first().waitFor();
    const uploads = (await history.getByRole('row', { name: /plc-upload/ }).allTextContents()).map((t) => /(ok|error|accepted)\s*program uploaded; compile (\w+)/.exec(t)?.slice(1).join(' '));
    expect(uploads).toEqual(['error FAILED', 'ok SUCCESS']);
    await page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: `Edit ${name}` }).waitFor();
    await page.getByLabel('CPU share').fill('1');
    await page.getByRole('button', { name: 'Review changes' }).click();
    // The review replaces the form on the next render: wait for it before reading the list (CI read it empty once).
    await page.getByRole('heading', { name: 'Changes to save' }).waitFor();
    expect(await page.getByRole('list', { name: 'Changes' }).getByRole('listitem').allTextContents()).toEqual([expect.stringMatching(/^quotas\.cpus: .* → 1$/)]);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Pending change' }).waitFor({ timeout: 30_000 });
    await page.getByRole('status').getByText(/the PLC program is running/).waitFor();
    await shot('10-edit-held');
    await page.getByRole('link', { name: `Back to ${name}` }).click();
    const pending = page.getByRole('region', { name: 'Pending changes' });
    await pending.waitFor({ timeout: 20_000 });
    await pending.getByRole('note').getByText(/the PLC program is running/).waitFor();
    await card().locator('dl.facts').getByText(/the PLC program is running/).waitFor();
    await shot('11-pending-on-detail');
    // The pending list is the reconcile loop's last pass (every 10 s): a pass held the change while the PLC ran.
    expect(await container()).toEqual(before);

    // Stopping the PLC is the only thing the user does: no confirm of the change.
    await card().getByRole('button', { name: 'Stop PLC' }).click();
    await confirmIn('Stop the PLC program?', 'Stop PLC');
    const after = await waitFor(container, (c) => c !== null && c.id !== before?.id && c.running, { timeoutMs: 60_000, intervalMs: 500, what: 'the vPLC recreated by the held change' });
    expect((await docker.getContainer(after!.id).inspect()).HostConfig.NanoCpus).toBe(1e9);
    await pending.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByRole('heading', { level: 1, name: new RegExp(`${name}\\s+running$`) }).waitFor({ timeout: 30_000 });
    await shot('12-applied');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('forgets the runtime credentials from the card: not connected again, the entry gone from the 0600 file', async () => {
    const file = (readdirSync(tmp.dir, { recursive: true }) as string[]).map((f) => path.join(tmp.dir, f)).find((f) => path.basename(f) === 'runtime-credentials.json');
    expect(file).toBeDefined();
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    expect(readFileSync(file!, 'utf8')).toContain(PASSWORD);
    await card().getByRole('button', { name: 'Forget credentials' }).click();
    await confirmIn('Forget the runtime credentials?', 'Forget');
    await cardBadge('not connected').waitFor({ timeout: 20_000 });
    await card().getByText('Credentials forgotten.').waitFor();
    expect(JSON.parse(readFileSync(file!, 'utf8'))).toEqual({ version: 1, vplcs: {} });
    await openList();
    await listRow().locator('.badge', { hasText: /^not connected$/ }).waitFor({ timeout: 20_000 });
    await shot('13-forgotten');
    expect(problems).toEqual([]);
  });

  it("keeps the runtime password out of the agent's output and of every file once forgotten", () => {
    expect(agent.output()).not.toContain(PASSWORD);
    const files = (readdirSync(tmp.dir, { recursive: true }) as string[]).map((f) => path.join(tmp.dir, f)).filter((f) => statSync(f).isFile());
    expect(files.length).toBeGreaterThan(3);
    expect(files.filter((f) => readFileSync(f).includes(PASSWORD))).toEqual([]);
  });
});
