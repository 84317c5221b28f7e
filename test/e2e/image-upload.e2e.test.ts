// Uploading a runtime image from the browser UI, end to end: Debian's Chromium (headless, through playwright-core) opens
// the page a real headless agent serves, picks a `docker save` archive of a tiny test image (tagged into the agent's
// runtime repository) in the file input, and uploads it: the CSP lets XMLHttpRequest reach the page's own origin with
// the token header, the agent loads the archive into the real dockerd, the page says so and lists the new tag.
// Runtime: about 15 s (one small docker save, one agent process, one browser).
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../electron/core/api/ws-client.js';
import { NETHELPER_IMAGE } from '../images/build.js';
import { spawnAgent, type AgentProcess } from '../support/agent-process.js';
import { docker, removeByLabels } from '../support/docker.js';
import { tempDir } from '../support/pki.js';
import { CHROMIUM, requireChromium, requireDocker } from '../support/require.js';
import { newRunId } from '../support/run.js';
import { installationIdOf } from '../support/installation.js';

requireDocker();
requireChromium();

const sh = promisify(execFile);
const run = newRunId();
const repo = `vt-upe-${run}/openplc-runtime`;
const ref = `${repo}:e2e`;
const tmp = tempDir('vplc-upload-e2e-');
const archive = path.join(tmp.dir, 'runtime-e2e.tar');
let agent: AgentProcess;
let browser: Browser;
let page: Page;
let url = '';
let installation = '';

beforeAll(async () => {
  await sh('docker', ['tag', NETHELPER_IMAGE, ref]);
  try {
    await sh('docker', ['save', '-o', archive, ref], { timeout: 60_000 });
  } finally {
    await sh('docker', ['rmi', ref]);
  }
  agent = spawnAgent(
    ['--no-cloud', '--ui-port', '0', '--data-dir', path.join(tmp.dir, 'data'), '--lock-name', `vt-${run}-upe2e`, '--internal-pool', '198.19.87.0/24', '--runtime-image', repo, '--mtls-dir', path.join(tmp.dir, 'mtls')],
    { VPLC_TOKEN_FILE: path.join(tmp.dir, 'token'), XDG_CONFIG_HOME: path.join(tmp.dir, 'config') },
  );
  const ready = await agent.ready;
  url = ready.url;
  const client = await ApiClient.connect(ready.port, ready.token);
  installation = await installationIdOf(client);
  client.close();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  await sh('docker', ['rmi', ref]).catch(() => undefined);
  tmp.dispose();
});

describe('the browser UI uploads a runtime image', () => {
  it('uploads the chosen archive, which the agent loads into dockerd, and lists the new tag', async () => {
    const violations: string[] = [];
    page.on('console', (m) => m.text().includes('Content Security Policy') && violations.push(m.text()));
    await page.goto(url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'vPLCs', exact: true }).click();
    const section = page.getByRole('region', { name: 'Runtime images' });
    await section.getByText(/No runtime image on this PC yet/).waitFor();
    await expect(section.getByRole('button', { name: 'Choose file…' }).count()).resolves.toBe(0);
    await section.getByLabel('Upload from this computer').setInputFiles(archive);
    await section.getByRole('button', { name: 'Upload', exact: true }).click();
    await section.getByRole('status').getByText(`Loaded ${ref} from runtime-e2e.tar`).waitFor({ timeout: 60_000 });
    await section.getByRole('row', { name: new RegExp(`${ref.replace(/[/.]/g, '\\$&')} `) }).waitFor();
    expect(await docker.getImage(ref).inspect().then(() => true, () => false)).toBe(true);
    expect(readdirSync(path.join(tmp.dir, 'data', 'uploads'))).toEqual([]);
    expect(violations).toEqual([]);
  });
});
