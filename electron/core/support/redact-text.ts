/**
 * Redaction of free text for the support bundle (logs, settings): PEM blocks (keys and certificates alike), the UI
 * token in URLs and JSON, bearer tokens, and values of secret-looking JSON keys. Structured log data is already
 * redacted when written (logging/redact.ts); this is the second line for everything else that ends up in a file.
 */
export function redactText(text: string): string {
  return text
    .replace(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g, '[PEM block removed]')
    .replace(/(#|[?&])token=[^\s"'&]+/gi, '$1token=[redacted]')
    .replace(/("(?:token|password|passwd|secret|key|private_?key|access_token|authorization)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, '$1"[redacted]"')
    .replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/g, '$1 [redacted]');
}
