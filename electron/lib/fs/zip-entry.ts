/**
 * One file out of a zip archive held in memory (a program bundle's `debug-map.json`, docs/debug.md "Variable map"):
 * the central directory is read from the end record, the entry's data is stored or deflated. Zip64 and encrypted
 * entries are not read. A damaged archive is an Error saying what is wrong; a missing entry is null.
 */
import { inflateRawSync } from 'node:zlib';

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
/** The end record (22 bytes) plus the longest comment. */
const EOCD_SEARCH = 22 + 0xffff;

function endRecord(zip: Buffer): number {
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - EOCD_SEARCH); at--) {
    if (zip.readUInt32LE(at) === EOCD_SIG) return at;
  }
  throw new Error('not a zip archive: no end of central directory');
}

/** The first entry whose path inside the archive `wanted` accepts: its name and bytes (at most `maxBytes` once inflated). */
export function readZipEntry(zip: Buffer, wanted: (path: string) => boolean, maxBytes: number): { name: string; data: Buffer } | null {
  const eocd = endRecord(zip);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_SIG) throw new Error('damaged zip archive: bad central directory entry');
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    at += 46 + nameLen + extraLen + commentLen;
    if (!wanted(name)) continue;
    if (flags & 1) throw new Error(`${name} is encrypted in the archive`);
    if (size > maxBytes) throw new Error(`${name} is ${size} bytes; at most ${maxBytes} are read`);
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL_SIG) throw new Error(`damaged zip archive: no local header for ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    if (raw.length !== compressed) throw new Error(`damaged zip archive: ${name} is cut short`);
    if (method === 0) return { name, data: Buffer.from(raw) };
    if (method !== 8) throw new Error(`${name} uses zip compression method ${method}, which is not read`);
    const data = inflateRawSync(raw, { maxOutputLength: maxBytes });
    if (data.length !== size) throw new Error(`damaged zip archive: ${name} inflates to ${data.length} bytes, not ${size}`);
    return { name, data };
  }
  return null;
}
