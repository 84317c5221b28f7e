import { describe, expect, it } from 'vitest';
import { RENDERER_CSP } from '../../../shared/security/csp';
import page from '../../../renderer/index.html?raw';

// A desktop browser asks for /favicon.ico when the page names no icon, and the UI server answers that with 404 on
// every load (headless Chromium does not ask, so the e2e test cannot see it).
describe('the renderer page', () => {
  it('names an inline icon the CSP allows, so loading it requests nothing from the server', () => {
    const doc = new DOMParser().parseFromString(page, 'text/html');
    const icon = doc.querySelector('link[rel~="icon"]');
    expect(icon?.getAttribute('href')).toMatch(/^data:image\/svg\+xml,/);
    const imgSrc = RENDERER_CSP.split('; ').find((d) => d.startsWith('img-src '))?.split(' ') ?? [];
    expect(imgSrc).toContain('data:');
    const svg = decodeURIComponent(icon!.getAttribute('href')!.slice('data:image/svg+xml,'.length));
    expect(new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement.nodeName).toBe('svg');
  });
});
