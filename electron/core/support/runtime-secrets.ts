import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The file where the user's runtime credentials live (docs/plc.md "Credentials"), in the state directory. Its
 * quarantined copies start with the same name, its atomic-write temporaries with a dot and the same name.
 */
export const RUNTIME_CREDENTIALS_FILE = 'runtime-credentials.json';

/** Files a support bundle never carries, whatever its collection lists: the user's runtime credentials in any form. */
export const isNeverBundled = (file: string): boolean => path.basename(file).replace(/^\.+/, '').startsWith(RUNTIME_CREDENTIALS_FILE);

/** Shorter passwords are left to the key-based redaction: replacing two letters everywhere would garble the bundle. */
const MIN_SCRUB_LENGTH = 4;
const PASSWORD_MEMBER = /"password"\s*:\s*("(?:[^"\\]|\\.)*")/g;

/**
 * The passwords stored in the state directory's credentials file (and any quarantined or half-written copy of it),
 * read as text so that a corrupt file still gives them up. A bundle scrubs them wherever they appear, even in
 * free text that no key names (a password mistakenly typed into a vPLC name, a log line of a future bug).
 */
export async function storedRuntimePasswords(dataDir: string): Promise<string[]> {
  const found = new Set<string>();
  for (const f of (await readdir(dataDir).catch(() => [])).filter(isNeverBundled)) {
    const text = await readFile(path.join(dataDir, f), 'utf8').catch(() => '');
    for (const m of text.matchAll(PASSWORD_MEMBER)) {
      try {
        const p = JSON.parse(m[1] as string) as string;
        if (p.length >= MIN_SCRUB_LENGTH) found.add(p);
      } catch {
        // a broken escape in a corrupt file: the raw text between the quotes is what a leak would show
        const raw = (m[1] as string).slice(1, -1);
        if (raw.length >= MIN_SCRUB_LENGTH) found.add(raw);
      }
    }
  }
  // Longest first, so a password containing another is replaced whole.
  return [...found].sort((a, b) => b.length - a.length);
}

/** Replaces each password, raw and as it reads inside a JSON string, with `[redacted]`. */
export function scrubPasswords(text: string, passwords: readonly string[]): string {
  let out = text;
  for (const p of passwords) {
    for (const form of new Set([p, JSON.stringify(p).slice(1, -1)])) out = out.split(form).join('[redacted]');
  }
  return out;
}
