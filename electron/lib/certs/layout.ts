import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isErrno } from '../fs/atomic.js';

/**
 * The mTLS directory keeps each key + certificate pair in its own generation directory and swaps pairs with one rename
 * of the `current` symlink (docs/credentials.md):
 *
 *   gen-3/client.key, gen-3/client.crt    a complete pair, written and fsynced before it is published
 *   current -> gen-3                      the one rename that switches identity
 *   client.key -> current/client.key      the docs/protocol.md §9.4 paths, for tools that read them
 *   client.crt -> current/client.crt
 */
export const KEY_FILE = 'client.key';
export const CERT_FILE = 'client.crt';
export const CURRENT = 'current';
export const GEN_PREFIX = 'gen-';
/** Leftovers of an interrupted swap start with this; nothing reads them. */
export const TEMP_PREFIX = '.swap-';

export function credentialPaths(dir: string): { dir: string; key: string; cert: string } {
  return { dir, key: path.join(dir, KEY_FILE), cert: path.join(dir, CERT_FILE) };
}

async function readlinkOrNull(p: string): Promise<string | null> {
  try {
    return await fs.readlink(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'EINVAL')) return null;
    throw err;
  }
}

/** The generation `current` points to (a name inside `dir`), or null when there is none. */
export async function currentGeneration(dir: string): Promise<string | null> {
  const target = await readlinkOrNull(path.join(dir, CURRENT));
  return target !== null && target.startsWith(GEN_PREFIX) && !target.includes('/') ? target : null;
}

/** True when `name` in `dir` is absent or is our link into `current` (not a file someone put there). */
async function ourLinkOrAbsent(dir: string, name: string): Promise<boolean> {
  try {
    return (await fs.readlink(path.join(dir, name))) === `${CURRENT}/${name}`;
  } catch (err) {
    return isErrno(err, 'ENOENT');
  }
}

/** True when both usual paths (docs/protocol.md §9) are our links (the layout needs no repair). */
export async function linksInPlace(dir: string): Promise<boolean> {
  for (const name of [KEY_FILE, CERT_FILE]) {
    const target = await readlinkOrNull(path.join(dir, name));
    if (target !== `${CURRENT}/${name}`) return false;
  }
  return true;
}

/**
 * The two files that make up the pair to use. Inside our layout both come from the one generation `current` names at
 * this moment, so a swap between the two reads can never pair one generation's key with another's certificate. Files
 * someone put at the usual paths (docs/protocol.md §9) themselves (the reference installer, a copy by hand) are read as they are.
 */
export async function pairFiles(dir: string): Promise<{ key: string; cert: string }> {
  const gen = await currentGeneration(dir);
  if (gen !== null && (await ourLinkOrAbsent(dir, KEY_FILE)) && (await ourLinkOrAbsent(dir, CERT_FILE))) {
    return { key: path.join(dir, gen, KEY_FILE), cert: path.join(dir, gen, CERT_FILE) };
  }
  return credentialPaths(dir);
}
