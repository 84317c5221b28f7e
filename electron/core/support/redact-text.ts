import { redact, redactString } from '../logging/redact.js';

const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g;
const removePem = (text: string): string => text.replace(PEM, '[PEM block removed]');

/**
 * Redaction of free text for the support bundle (logs, settings): PEM blocks (keys and certificates alike), values of
 * secret-looking JSON keys, and everything redactString covers (credentials in URLs, bearer tokens, `Authorization`
 * values, the UI token and other secrets in query strings). Structured log data is already redacted when written
 * (logging/redact.ts); this is the second line for everything else that ends up in a file.
 */
export function redactText(text: string): string {
  return redactString(
    removePem(text).replace(/("(?:token|password|passwd|secret|key|private_?key|access_token|authorization)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, '$1"[redacted]"'),
  );
}

const parse = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
};

/**
 * A file for the bundle: a JSON document, or each JSON line of a JSON-lines file (logs, journal), is redacted
 * structurally, so secrets nested at any depth go whatever their type; anything else as text. PEM blocks span lines,
 * so they go before the file is split.
 */
export function redactFile(text: string): string {
  const whole = parse(text);
  if (whole.ok && typeof whole.value === 'object' && whole.value !== null) return `${JSON.stringify(redact(whole.value, redactText), null, 2)}\n`;
  return removePem(text)
    .split('\n')
    .map((line) => {
      const p = line.trimStart().startsWith('{') ? parse(line) : { ok: false as const };
      return p.ok ? JSON.stringify(redact(p.value, redactText)) : redactText(line);
    })
    .join('\n');
}
