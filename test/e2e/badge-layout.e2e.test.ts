// The built stylesheet in Chromium: a long certificate-expiry badge (the agent's 30/7/1-day warning is a sentence)
// wraps inside its dashboard card instead of running past it. A real expiring certificate would take days to
// produce, so the test lays out the dashboard's markup for that row with the real CSS and the real message.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expiryWarning } from '../../electron/lib/certs/expiry.js';
import { builtCss, launchChromium } from '../support/browser.js';
import { requireChromium } from '../support/require.js';

requireChromium();

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the certificate row of the dashboard', () => {
  it('keeps a long expiry warning inside its card at 1024×640', async () => {
    const css = builtCss();
    const soon = expiryWarning(new Date(Date.now() + 4 * 86_400_000).toISOString());
    expect(soon.message?.length).toBeGreaterThan(100);
    const page = await browser.newPage({ viewport: { width: 1024, height: 640 } });
    // setContent's page has no CSP; the grid gives the card the narrow column it gets on the dashboard.
    await page.setContent(
      `<!doctype html><html><head><style>${css}</style></head><body><div class="grid-2"><section class="card"><dl class="facts"><dt>Certificate</dt><dd>valid until 12/9/2026 <span class="badge badge-warn">${soon.message}</span></dd></dl></section><section class="card">other</section></div></body></html>`,
    );
    const sizes = (await page.evaluate(`(() => { const c = document.querySelector('.card'); const b = document.querySelector('.badge').getBoundingClientRect(); return [c.scrollWidth, c.clientWidth, Math.round(b.right), Math.round(c.getBoundingClientRect().right)]; })()`)) as number[];
    const [scroll, client, badgeRight, cardRight] = sizes;
    expect(scroll).toBeLessThanOrEqual(client!);
    expect(badgeRight).toBeLessThanOrEqual(cardRight!);
    await page.close();
  });
});
