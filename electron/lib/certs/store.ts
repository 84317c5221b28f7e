import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { credentialPaths } from './credentials.js';

/** Writes the pair with the PROTOCOL §9.4 modes: dir 0700, key 0600, certificate 0644; each file atomically. */
export async function storeCredentials(dir: string, keyPem: string, certPem: string): Promise<void> {
  const p = credentialPaths(dir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  // Key first: a watcher that sees the new certificate next to the old key rejects the pair and waits for the key.
  await writeFileAtomic(p.key, keyPem, 0o600);
  await writeFileAtomic(p.cert, certPem, 0o644);
  // The atomic writer creates with `mode` under the umask; make the modes exact.
  await fs.chmod(p.key, 0o600);
  await fs.chmod(p.cert, 0o644);
}

/**
 * Self-destruct's `removing_self` step (PROTOCOL §4.3): moves the directory to `<dir>.removed-<unix-ts>` with mode
 * 0700. Returns the new path, or null when there was nothing to move.
 */
export async function retireCredentials(dir: string, nowMs: number = Date.now()): Promise<string | null> {
  const target = `${path.resolve(dir)}.removed-${Math.floor(nowMs / 1000)}`;
  try {
    await fs.rename(dir, target);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return null;
    throw err;
  }
  await fs.chmod(target, 0o700);
  return target;
}
