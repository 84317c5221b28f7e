import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiClient } from '../../electron/core/api/ws-client.js';
import { spawnAgent, type AgentProcess } from './agent-process.js';
import { collectProblems, launchChromium, QUIET_CHROMIUM } from './browser.js';
import { installationIdOf } from './installation.js';

export type BrowserAgent = {
  agent: AgentProcess;
  browser: Browser;
  /** On the agent's dashboard, with the token of its address. */
  page: Page;
  /** Cleanup removes the agent's Docker objects by it. */
  installation: string;
  /** Page errors, console errors and failed requests, in order (collectProblems). */
  problems: string[];
  /** Closes the browser, then stops the agent (its vPLCs keep running until the test removes them). */
  close(): Promise<void>;
};

/**
 * A headless agent without a cloud link, in `dir` (data, mTLS, token and config under it), and Debian's Chromium on
 * its dashboard: what every browser end-to-end test starts from.
 */
export async function openBrowserAgent(o: { dir: string; lockName: string; settingsFile: string; internalPool: string; extraArgs?: string[]; viewport?: { width: number; height: number } }): Promise<BrowserAgent> {
  const agent = spawnAgent(
    [
      '--no-cloud', '--ui-port', '0', '--data-dir', path.join(o.dir, 'data'), '--lock-name', o.lockName,
      '--settings', o.settingsFile, '--internal-pool', o.internalPool, '--mtls-dir', path.join(o.dir, 'mtls'), ...(o.extraArgs ?? []),
    ],
    { VPLC_TOKEN_FILE: path.join(o.dir, 'token'), XDG_CONFIG_HOME: path.join(o.dir, 'config') },
  );
  let browser: Browser | undefined;
  try {
    const ready = await agent.ready;
    const client = await ApiClient.connect(ready.port, ready.token);
    const installation = await installationIdOf(client).finally(() => client.close());
    browser = await launchChromium(QUIET_CHROMIUM);
    const page = await browser.newPage({ viewport: o.viewport ?? { width: 1366, height: 768 } });
    const problems: string[] = [];
    collectProblems(page, problems);
    await page.goto(ready.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    return { agent, browser, page, installation, problems, close: closer(agent, browser) };
  } catch (err) {
    // Nothing is handed to the test, so nothing of this start may outlive it.
    await closer(agent, browser)();
    throw err;
  }
}

function closer(agent: AgentProcess, browser: Browser | undefined): () => Promise<void> {
  return async () => {
    await browser?.close();
    await agent.stop();
  };
}
