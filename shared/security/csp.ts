/**
 * The renderer's Content-Security-Policy, the one source for both places it is enforced: the meta tag the renderer
 * build writes into index.html (renderer/vite.config.ts) and the header of the agent's loopback UI server.
 */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The header form adds what a meta tag cannot carry: no page may frame the UI (clickjacking of the API it holds the
 * token for).
 */
export const RENDERER_CSP_HEADER = `${RENDERER_CSP}; frame-ancestors 'none'`;
