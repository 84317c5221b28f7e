/**
 * The variable map per vPLC (docs/debug.md "Live variables"): `<state dir>/debug-maps/<vplc>.json`, the program bundle's
 * `debug-map.json` with where it came from. Written atomically, parsed with zod when read; a corrupt file is moved aside
 * and reported, never replaced silently. Removed with the vPLC.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DebugMap } from '../../../../shared/debug/debug-map.js';
import { isErrno, writeFileAtomic } from '../../../lib/fs/atomic.js';
import { checkJson, checkUntrustedJson, quarantineSync } from '../../../lib/fs/json-file.js';
import { readZipEntry } from '../../../lib/fs/zip-entry.js';
import type { Logger } from '../context.js';
import type { StoreProblem } from '../store/state-store.js';

export const MAPS_DIR = 'debug-maps';
/** A map of 100 000 leaves is about 10 MB of JSON. */
export const MAX_MAP_BYTES = 32 * 1024 * 1024;

export const MapSource = z.enum(['upload', 'file']);
export type MapSource = z.output<typeof MapSource>;

export const StoredDebugMap = z.object({
  version: z.literal(1),
  /** `upload`: from a program bundle uploaded through this agent; `file`: loaded by the user. */
  source: MapSource,
  /** The bundle's or the file's name (no directory). */
  source_name: z.string(),
  saved_at: z.string(),
  map: DebugMap,
});
export type StoredDebugMap = z.output<typeof StoredDebugMap>;

/** A map refused, with the field at fault in the message (`leaves.3.size: …`). */
export class MapError extends Error {}

/**
 * `debug-map.json` text as a DebugMap, or a MapError naming the field. `untrusted`: the text is of a file the caller
 * named, which may be any file on the host, so the reason never quotes it.
 */
export function parseDebugMap(text: string, untrusted = false): DebugMap {
  const checked = untrusted ? checkUntrustedJson(text, DebugMap) : checkJson(text, DebugMap);
  if (!checked.ok) throw new MapError(`debug-map.json is not a variable map: ${checked.reason}`);
  return checked.value;
}

const isMapEntry = (p: string): boolean => p === 'debug-map.json' || p.endsWith('/debug-map.json');

/** The variable map inside a program bundle (.zip), null when it has none. `untrusted` as for `parseDebugMap`. */
export function debugMapOfBundle(zip: Buffer, untrusted = false): DebugMap | null {
  let entry: ReturnType<typeof readZipEntry>;
  let entryName: string | undefined;
  try {
    entry = readZipEntry(
      zip,
      (p) => {
        if (!isMapEntry(p)) return false;
        entryName = p;
        return true;
      },
      MAX_MAP_BYTES,
    );
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // The entry's directory inside the archive is part of the file's content.
    throw new MapError(untrusted && entryName ? reason.split(entryName).join('debug-map.json') : reason);
  }
  return entry ? parseDebugMap(entry.data.toString('utf8'), untrusted) : null;
}

const MAP_FILE_TYPES = ['.json', '.zip'];

/**
 * A map file the user picked: `debug-map.json` itself or a program bundle (.zip) holding one. The agent may read any
 * file on the host, so only those two kinds are opened and no refusal quotes what the file holds.
 */
export async function readDebugMapFile(file: string): Promise<DebugMap> {
  if (!path.isAbsolute(file)) throw new MapError('give the full path of debug-map.json or of the program bundle (.zip)');
  const kind = path.extname(file).toLowerCase();
  if (!MAP_FILE_TYPES.includes(kind)) throw new MapError(`${file}: a variable map is read from debug-map.json (.json) or from the program bundle (.zip) holding it`);
  let data: Buffer;
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new MapError(`${file} is not a file`);
    if (st.size > MAX_MAP_BYTES) throw new MapError(`${file} is ${st.size} bytes; a variable map may have at most ${MAX_MAP_BYTES}`);
    data = await fs.readFile(file);
  } catch (err) {
    if (err instanceof MapError) throw err;
    throw new MapError(unreadable(file, err));
  }
  if (kind === '.zip') {
    const map = debugMapOfBundle(data, true);
    if (!map) throw new MapError(`${path.basename(file)} holds no debug-map.json`);
    return map;
  }
  return parseDebugMap(data.toString('utf8'), true);
}

/** Worded as for the other files the API reads from this PC (runtime image archives, program bundles). */
function unreadable(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `${file}: no such file on this PC`;
  if (code === 'EACCES' || code === 'EPERM') return `${file}: the agent (uid ${process.getuid?.() ?? '?'}; it may run as a service user) cannot read it; make it readable by that user (or copy it to a directory it can read)`;
  return `cannot read ${file}: ${code ?? 'unknown error'}`;
}

export type MapStoreDeps = {
  log: Logger;
  /** Where a corrupt file is reported (the state store's problems, shown in the host warnings). */
  report: (p: StoreProblem) => void;
  nowIso?: () => string;
};

export class DebugMapStore {
  private readonly dir: string;
  /** What is known of each vPLC's file: its content, or null for none (read once, then kept in step with writes). */
  private readonly cache = new Map<string, StoredDebugMap | null>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    stateDir: string,
    private readonly deps: MapStoreDeps,
  ) {
    this.dir = path.join(stateDir, MAPS_DIR);
  }

  file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  /** The vPLC's map, or null (none stored, or the file was corrupt and has been moved aside). */
  get(name: string): Promise<StoredDebugMap | null> {
    const known = this.cache.get(name);
    if (known !== undefined) return Promise.resolve(known);
    return this.serial(async () => {
      const again = this.cache.get(name);
      if (again !== undefined) return again;
      const loaded = await this.load(name);
      this.cache.set(name, loaded);
      return loaded;
    });
  }

  put(name: string, map: DebugMap, source: MapSource, sourceName: string): Promise<StoredDebugMap> {
    const stored: StoredDebugMap = { version: 1, source, source_name: path.basename(sourceName), saved_at: this.deps.nowIso?.() ?? new Date().toISOString(), map };
    return this.serial(async () => {
      await writeFileAtomic(this.file(name), JSON.stringify(StoredDebugMap.parse(stored)) + '\n', 0o600);
      this.cache.set(name, stored);
      return stored;
    });
  }

  /** Resolves true when there was a file to remove. */
  remove(name: string): Promise<boolean> {
    return this.serial(async () => {
      this.cache.delete(name);
      try {
        await fs.unlink(this.file(name));
        return true;
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return false;
        throw err;
      }
    });
  }

  /** Reads and writes run one at a time, so a read never sees a write half done in memory. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async load(name: string): Promise<StoredDebugMap | null> {
    const file = this.file(name);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    const checked = checkJson(text, StoredDebugMap);
    if (checked.ok) return checked.value;
    const movedTo = quarantineSync(file, Math.floor(Date.now() / 1000));
    this.deps.log.error('variable map file was corrupt and has been moved aside; load the map again', { vplc: name, file, movedTo, reason: checked.reason });
    this.deps.report({ file, movedTo, reason: checked.reason });
    return null;
  }
}
