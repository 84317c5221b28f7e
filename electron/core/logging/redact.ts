const SECRET_KEY = /(pass(word)?|secret|token|private|key$|authorization|cookie|credential|jwt|^env$)/i;
/** Keys whose values are secrets when they appear as JSON inside text (a runtime's login body, a response logged raw). */
const JSON_SECRET_KEYS = 'password|passwd|access_token|refresh_token|id_token|token|secret|client_secret|authorization|jwt';
/** `"password": "…"` in JSON text (`\\"password\\": \\"…\\"` when that JSON was itself quoted in JSON). */
const JSON_SECRET = new RegExp(`("(?:${JSON_SECRET_KEYS})"\\s*:\\s*)"(?!\\[redacted\\]")(?:[^"\\\\]|\\\\.)*"`, 'gi');
const QUOTED_JSON_SECRET = new RegExp(`(\\\\+)"(${JSON_SECRET_KEYS})\\1"(\\s*:\\s*)\\1"(?!\\[redacted\\])(?:(?!\\1").)*\\1"`, 'gi');
/** A JSON Web Token anywhere (the runtime's access tokens are HS256 JWTs): header and payload both start `eyJ`. */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
/** Deeper values are replaced, never written as they are (and the walk cannot exhaust the stack). */
const MAX_DEPTH = 64;

/**
 * Secrets inside free text (docs/hardening.md, docs/plc.md "Credentials"): credentials in URLs
 * (`scheme://user:pass@host`), `Authorization` values, bearer tokens, JSON Web Tokens, secret query or form
 * parameters (`token=`, `password=`, …) and secret JSON members (`"password": "…"`, also quoted inside JSON).
 */
export function redactString(s: string): string {
  return s
    .replace(JWT, '[redacted]')
    .replace(QUOTED_JSON_SECRET, '$1"$2$1"$3$1"[redacted]$1"')
    .replace(JSON_SECRET, '$1"[redacted]"')
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*(?:@[^\s/?#@]*)*@/gi, '$1[redacted]@')
    .replace(/\b(authorization\s*[:=]\s*"?(?:(?:bearer|basic|digest|token)\s+)?)(?!\[redacted\]|(?:bearer|basic|digest|token)\s)[^\s",;]+/gi, '$1[redacted]')
    .replace(/\b(bearer)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(/(^|[^A-Za-z0-9_])((?:access_|refresh_|id_)?token|password|passwd|secret|client_secret|api_?key)=(?!\[redacted\])[^\s"'&#;]+/gi, '$1$2=[redacted]');
}

/**
 * Replaces the values of secret-looking keys and redacts every string, at any depth of objects, arrays, maps and
 * sets, before anything is written (docs/architecture.md decision 9). Cycles become "[circular]"; binary data is summarised.
 * Never throws (a throwing getter becomes "[unreadable]").
 */
export function redact(value: unknown, text: (s: string) => string = redactString): unknown {
  const ancestors = new Set<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return text(v);
    if (typeof v === 'bigint') return v.toString();
    if (v === null || typeof v !== 'object') return v;
    if (ancestors.has(v)) return '[circular]';
    if (depth >= MAX_DEPTH) return '[nested too deep]';
    ancestors.add(v);
    try {
      if (v instanceof Error) return { name: v.name, message: text(v.message) };
      if (ArrayBuffer.isView(v)) return `[${v.byteLength} bytes]`;
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
      if (v instanceof Set) return walk([...v], depth);
      if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
      const entries = v instanceof Map ? [...v].map(([k, x]) => [String(k), x] as const) : Object.entries(v);
      return Object.fromEntries(entries.map(([k, x]) => [k, SECRET_KEY.test(k) ? '[redacted]' : walk(x, depth + 1)]));
    } catch {
      return '[unreadable]';
    } finally {
      ancestors.delete(v);
    }
  };
  return walk(value, 0);
}
