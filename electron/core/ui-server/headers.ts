import { RENDERER_CSP_HEADER } from '../../../shared/security/csp.js';

/** Sent with every answer of the UI server: the renderer's own CSP, no framing, no MIME sniffing, no referrer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': RENDERER_CSP_HEADER,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};
