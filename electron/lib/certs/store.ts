import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isErrno, syncDir, writeFileAtomic } from '../fs/atomic.js';
import { CERT_FILE, CURRENT, currentGeneration, GEN_PREFIX, KEY_FILE, linksInPlace, pairFiles, TEMP_PREFIX } from './layout.js';

const tempName = (): string => `${TEMP_PREFIX}${process.pid}-${randomUUID()}`;

/** Replaces `dir/name` with a symlink to `target` in one rename. */
async function placeLink(dir: string, name: string, target: string): Promise<void> {
  const tmp = path.join(dir, tempName());
  await fs.symlink(target, tmp);
  try {
    await fs.rename(tmp, path.join(dir, name));
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

async function generationNumbers(dir: string): Promise<number[]> {
  const names = await fs.readdir(dir);
  return names.filter((n) => n.startsWith(GEN_PREFIX)).map((n) => Number(n.slice(GEN_PREFIX.length))).filter((n) => Number.isInteger(n));
}

/** Writes a complete pair into a new generation directory and returns its name; nothing points to it yet. */
async function stageGeneration(dir: string, keyPem: string, certPem: string): Promise<string> {
  const staging = path.join(dir, tempName());
  await fs.mkdir(staging, { mode: 0o700 });
  try {
    await fs.chmod(staging, 0o700);
    await writeFileAtomic(path.join(staging, KEY_FILE), keyPem, 0o600);
    await writeFileAtomic(path.join(staging, CERT_FILE), certPem, 0o644);
    for (let next = Math.max(0, ...(await generationNumbers(dir))) + 1; ; next++) {
      const name = `${GEN_PREFIX}${next}`;
      try {
        await fs.rename(staging, path.join(dir, name));
        return name;
      } catch (err) {
        // Another writer took this number meanwhile.
        if (!isErrno(err, 'EEXIST') && !isErrno(err, 'ENOTEMPTY')) throw err;
      }
    }
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Brings a directory into the generation layout without changing the pair a reader sees: a pair someone put at the
 * usual paths (docs/protocol.md §9) (the reference installer, an older agent, a copy by hand) first becomes a generation of its own, then
 * those paths become links to it. Every intermediate state reads as that same pair, and it is kept as the previous
 * pair until the new one has connected.
 */
async function prepareLayout(dir: string): Promise<void> {
  if (await linksInPlace(dir)) return;
  const gen = await currentGeneration(dir);
  const files = await pairFiles(dir);
  if (gen === null || files.key !== path.join(dir, gen, KEY_FILE)) {
    const loose = await Promise.all([fs.readFile(files.key, 'utf8'), fs.readFile(files.cert, 'utf8')]).catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return null; // Nothing complete to keep.
      throw err;
    });
    if (loose !== null) await placeLink(dir, CURRENT, await stageGeneration(dir, loose[0], loose[1]));
  }
  for (const name of [KEY_FILE, CERT_FILE]) {
    if ((await fs.readlink(path.join(dir, name)).catch(() => null)) !== `${CURRENT}/${name}`) await placeLink(dir, name, `${CURRENT}/${name}`);
  }
  await syncDir(dir);
}

/**
 * Stores a key and certificate as the new identity (docs/protocol.md §9.4 modes: dir 0700, key 0600, certificate 0644).
 * No check of the pair here: enrolment and import check it first (tests store broken pairs on purpose).
 *
 * INVARIANTS
 * - The pair is complete and fsynced in its own generation directory before anything points to it.
 * - The identity switches with one rename (`current`); a reader sees the old pair or the new one, and a crash at any
 *   point leaves one of them, never one pair's key with the other's certificate.
 * - Earlier generations stay until the new pair has connected (pruneCredentialGenerations).
 */
export async function storeCredentials(dir: string, keyPem: string, certPem: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  await removeTempLeftovers(dir);
  await prepareLayout(dir);
  const gen = await stageGeneration(dir, keyPem, certPem);
  await placeLink(dir, CURRENT, gen);
  await syncDir(dir);
}

async function removeTempLeftovers(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith(TEMP_PREFIX)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Called once a pair has connected: removes the generations other than the current one, if the current one is that
 * pair (a newer swap since then keeps everything until it connects in turn). Returns the removed generations.
 */
export async function pruneCredentialGenerations(dir: string, connectedCertPem: string): Promise<string[]> {
  const gen = await currentGeneration(dir);
  if (gen === null) return [];
  const cert = await fs.readFile(path.join(dir, gen, CERT_FILE), 'utf8').catch(() => null);
  if (cert !== connectedCertPem) return [];
  const removed: string[] = [];
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith(GEN_PREFIX) && name !== gen) {
      await fs.rm(path.join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Self-destruct's `removing_self` step (docs/protocol.md §4.3): moves the directory to `<dir>.removed-<unix-ts>` with mode
 * 0700. Returns the new path, or null when there was nothing to move. The links inside are relative, so the moved
 * directory still reads as a whole.
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
