import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from './require.js';

/** Debian's Chromium, headless; `args` are added to the flags every test needs here. */
export const launchChromium = (args: readonly string[] = []): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', ...args] });

/** The flags of the end-to-end tests that talk to a real agent: no background traffic besides the page's own. */
export const QUIET_CHROMIUM = ['--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Page errors, console errors, failed requests and HTTP error answers, collected into `problems`. */
export function collectProblems(page: Page, problems: string[]): void {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
}

/** The renderer's built stylesheet (renderer/dist/assets). */
export function builtCss(): string {
  const assets = path.resolve('renderer/dist/assets');
  const cssFile = readdirSync(assets).find((f) => f.endsWith('.css'));
  if (cssFile === undefined) throw new Error('no built stylesheet in renderer/dist/assets: run npm run build first');
  return readFileSync(path.join(assets, cssFile), 'utf8');
}
