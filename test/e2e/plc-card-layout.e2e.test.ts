// The PLC card with the built stylesheet in Chromium at 1366×768, light and dark: the per-task table of min/avg/max
// figures, the fault line, the four scan-cycle charts and the credentials form stay inside the card, and nothing in
// the card relies on inline styles (the CSP refuses them).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCss, launchChromium } from '../support/browser.js';
import { requireChromium } from '../support/require.js';

requireChromium();

// The card is rendered by a helper of the renderer's tests: its modules are type-checked by renderer/tsconfig.json
// (bundler resolution, JSX), not by the root project this file belongs to, hence the import by a computed path.
const MARKUP = '../unit/renderer/plc-card-markup';
const { plcCardMarkup } = (await import(MARKUP)) as { plcCardMarkup(): { connected: string; without: string } };

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the PLC card', () => {
  it('keeps its figures, charts and forms inside the card at 1366×768 in light and dark', async () => {
    const css = builtCss();
    const { connected, without } = plcCardMarkup();
    expect(`${connected}${without}`).not.toMatch(/\sstyle=/);
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, colorScheme });
      // The app's frame: the sidebar column and the page, as the shell lays them out.
      await page.setContent(`<!doctype html><html><head><style>${css}</style></head><body><div class="app"><nav class="sidebar">nav</nav><main><div class="page">${connected}${without}</div></main></div></body></html>`);
      const overflow = (await page.evaluate(
        `[...document.querySelectorAll('.card')].flatMap((c) => { const r = c.getBoundingClientRect(); const out = [...c.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > r.right + 0.5).map((e) => e.tagName + '.' + e.className); return c.scrollWidth > c.clientWidth ? ['card scrolls', ...out] : out; })`,
      )) as string[];
      expect(overflow, colorScheme).toEqual([]);
      expect(await page.evaluate(`document.documentElement.scrollWidth <= window.innerWidth`), colorScheme).toBe(true);
      const charts = (await page.evaluate(`[...document.querySelectorAll('.plc-chart-grid .chart')].map((c) => Math.round(c.getBoundingClientRect().width))`)) as number[];
      expect(charts).toHaveLength(4);
      // Two by two: each chart takes about half the card, not a sliver.
      for (const w of charts) expect(w).toBeGreaterThan(400);
      await page.close();
    }
  });
});
