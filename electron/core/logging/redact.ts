const SECRET_KEY = /(pass(word)?|secret|token|private|key$|authorization|cookie|credential|^env$)/i;

/** Replaces the values of secret-looking keys, at any depth, before anything is written (ENGINEERING decision 9). */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)]));
}
