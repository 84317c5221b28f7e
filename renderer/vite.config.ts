import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { RENDERER_CSP } from '../shared/security/csp.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const CSP_PLACEHOLDER = '__RENDERER_CSP__';

/**
 * Fills index.html's CSP meta tag from the policy's one source (the agent's UI server sends the same policy as a
 * header). A page without the placeholder fails the build rather than ship without a policy.
 */
export const cspMeta = (): Plugin => ({
  name: 'vplc-csp-meta',
  transformIndexHtml: {
    order: 'pre',
    handler: (html) => {
      if (!html.includes(CSP_PLACEHOLDER)) throw new Error(`renderer/index.html has no ${CSP_PLACEHOLDER} CSP meta tag`);
      return html.replaceAll(CSP_PLACEHOLDER, RENDERER_CSP);
    },
  },
});

// The renderer is served from app://renderer/ in Electron and from the agent's loopback server in a browser: relative
// asset paths work under both.
export default defineConfig({
  root: here,
  base: './',
  plugins: [cspMeta(), react()],
  build: { outDir: path.join(here, 'dist'), emptyOutDir: true, sourcemap: false, target: 'es2022' },
});
