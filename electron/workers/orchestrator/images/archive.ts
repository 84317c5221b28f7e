import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';

/** `manifest.json` of a `docker save` archive: one entry per image, with the tags it was saved under. */
export const SaveManifest = z.array(z.object({ Config: z.string(), RepoTags: z.array(z.string()).nullable().optional(), Layers: z.array(z.string()) })).min(1);
export type SaveManifest = z.output<typeof SaveManifest>;

export class NotASaveArchive extends Error {}

const BLOCK = 512;
const MAX_MANIFEST = 1 << 20;

/** A tar header's numeric field: octal text, or base-256 when its first byte has the high bit (GNU, > 8 GiB). */
function numeric(field: Buffer): number {
  const first = field[0] ?? 0;
  if (first & 0x80) {
    let n = first & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return n;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/g, '').trim();
  if (!/^[0-7]*$/.test(text)) return Number.NaN;
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  return numeric(h.subarray(148, 156)) === sum;
}

function entryName(h: Buffer): string {
  const cstr = (b: Buffer): string => {
    const end = b.indexOf(0);
    return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
  };
  const name = cstr(h.subarray(0, 100));
  const prefix = h.subarray(257, 262).toString('latin1') === 'ustar' ? cstr(h.subarray(345, 500)) : '';
  return (prefix ? `${prefix}/${name}` : name).replace(/^\.\//, '');
}

/**
 * Walks a tar stream entry by entry and keeps the bytes of `manifest.json` (tar is 512-byte headers, each followed by
 * its data padded to 512). Pushes nothing else into memory.
 */
class ManifestScanner {
  private header = Buffer.alloc(0);
  private skip = 0;
  private collecting: { need: number; parts: Buffer[] } | null = null;
  found: Buffer | null = null;
  ended = false;
  entries = 0;

  /** Bytes of the manifest still to collect (0 when not collecting). */
  get pending(): number {
    return this.collecting?.need ?? 0;
  }

  /** The data bytes of the entry whose header was just read, handed to a caller that jumps over them itself. */
  takeSkip(): number {
    const n = this.skip;
    this.skip = 0;
    return n;
  }

  /** Feeds bytes; returns true once the scan is over (found or end of archive). */
  push(chunk: Buffer): boolean {
    let c = chunk;
    while (c.length > 0 && !this.found && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, c.length);
        this.skip -= n;
        c = c.subarray(n);
      } else if (this.collecting) {
        const n = Math.min(this.collecting.need, c.length);
        this.collecting.parts.push(c.subarray(0, n));
        this.collecting.need -= n;
        c = c.subarray(n);
        if (this.collecting.need === 0) this.found = Buffer.concat(this.collecting.parts);
      } else {
        const n = Math.min(BLOCK - this.header.length, c.length);
        this.header = Buffer.concat([this.header, c.subarray(0, n)]);
        c = c.subarray(n);
        if (this.header.length === BLOCK) this.onHeader(this.header);
      }
    }
    return this.found !== null || this.ended;
  }

  private onHeader(h: Buffer): void {
    this.header = Buffer.alloc(0);
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    if (!checksumOk(h)) throw new NotASaveArchive(this.entries === 0 ? 'it is not a tar archive' : 'the tar archive is damaged (bad header checksum)');
    this.entries++;
    const size = numeric(h.subarray(124, 136));
    if (!Number.isFinite(size)) throw new NotASaveArchive('the tar archive is damaged (bad entry size)');
    const type = String.fromCharCode(h[156] ?? 0);
    if (entryName(h) === 'manifest.json' && (type === '0' || type === '\0')) {
      if (size > MAX_MANIFEST) throw new NotASaveArchive(`its manifest.json is ${size} bytes, larger than any docker save manifest`);
      this.collecting = { need: size, parts: [] };
      if (size === 0) this.found = Buffer.alloc(0);
      return;
    }
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
  }
}

/**
 * A plain tar needs no full read: each header gives the size of the data that follows, so the scan jumps from header
 * to header and reads only those and the manifest (a runtime image of hundreds of MB is checked in milliseconds).
 */
async function seekManifest(file: string, onRead: (bytes: number) => void): Promise<{ found: Buffer | null; entries: number }> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const scanner = new ManifestScanner();
    let at = 0;
    while (at + BLOCK <= size) {
      const h = Buffer.alloc(BLOCK);
      await fh.read(h, 0, BLOCK, at);
      scanner.push(h);
      at += BLOCK;
      onRead(at);
      if (scanner.found || scanner.ended) break;
      if (scanner.pending) {
        const want = scanner.pending;
        const data = Buffer.alloc(want);
        await fh.read(data, 0, want, at);
        scanner.push(data);
        break;
      }
      at += scanner.takeSkip();
    }
    onRead(size);
    return { found: scanner.found, entries: scanner.entries };
  } finally {
    await fh.close();
  }
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Reads `manifest.json` from a `docker save` archive (.tar, or gzip-compressed) without loading anything; `onRead`
 * hears how far into the file the scan is. Rejects with NotASaveArchive saying what the file is not.
 */
export async function readSaveManifest(file: string, onRead: (bytes: number) => void = () => undefined): Promise<SaveManifest> {
  const gz = await isGzip(file);
  const scan = gz ? await streamManifest(file, onRead) : await seekManifest(file, onRead);
  if (!scan.found) throw new NotASaveArchive(scan.entries === 0 ? 'it is not a tar archive' : 'it has no manifest.json, so it was not written by `docker save`');
  let json: unknown;
  try {
    json = JSON.parse(scan.found.toString('utf8'));
  } catch {
    throw new NotASaveArchive('its manifest.json is not JSON');
  }
  const parsed = SaveManifest.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new NotASaveArchive(`its manifest.json is not a docker save manifest (${i?.path.join('.') || 'manifest'}: ${i?.message ?? 'invalid'})`);
  }
  return parsed.data;
}

/** A compressed archive has no offsets to jump to: it is read through gunzip, entry by entry. */
async function streamManifest(file: string, onRead: (bytes: number) => void): Promise<{ found: Buffer | null; entries: number }> {
  const raw = createReadStream(file);
  let read = 0;
  raw.on('data', (c) => {
    read += c.length;
    onRead(read);
  });
  const tar = raw.pipe(createGunzip());
  const scanner = new ManifestScanner();
  try {
    for await (const chunk of tar as AsyncIterable<Buffer>) {
      if (scanner.push(chunk)) break;
    }
  } catch (err) {
    if (err instanceof NotASaveArchive) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new NotASaveArchive(`its gzip data is damaged (${(err as Error).message})`);
    throw err;
  } finally {
    raw.destroy();
  }
  return { found: scanner.found, entries: scanner.entries };
}
