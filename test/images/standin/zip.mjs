// Entry names of a .zip from its central directory, and one entry's content (stored or deflated).
import { inflateRawSync } from 'node:zlib';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;

// The central directory records: { name, method, compressedSize, localOffset }, or null when the bytes are not a zip.
function centralEntries(buf) {
  const lowest = Math.max(0, buf.length - 22 - 0xffff);
  for (let at = buf.length - 22; at >= lowest; at--) {
    if (buf.readUInt32LE(at) !== EOCD) continue;
    const count = buf.readUInt16LE(at + 10);
    let p = buf.readUInt32LE(at + 16);
    const entries = [];
    for (let i = 0; i < count; i++) {
      if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) return null;
      const nameLen = buf.readUInt16LE(p + 28);
      const extraLen = buf.readUInt16LE(p + 30);
      const commentLen = buf.readUInt16LE(p + 32);
      entries.push({
        name: buf.subarray(p + 46, p + 46 + nameLen).toString('utf8'),
        method: buf.readUInt16LE(p + 10),
        compressedSize: buf.readUInt32LE(p + 20),
        localOffset: buf.readUInt32LE(p + 42),
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return entries;
  }
  return null;
}

/** Entry names: null when the bytes are not a zip. */
export function zipEntryNames(buf) {
  return centralEntries(buf)?.map((e) => e.name) ?? null;
}

const LOCAL = 0x04034b50;
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** The content of the entry named `name` (the last one when repeated), or null (absent, unreadable, unsupported). */
export function zipEntry(buf, name) {
  const entry = centralEntries(buf)?.findLast((e) => e.name === name);
  if (!entry) return null;
  const at = entry.localOffset;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== LOCAL) return null;
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const raw = buf.subarray(start, start + entry.compressedSize);
  if (raw.length !== entry.compressedSize) return null;
  try {
    if (entry.method === 0) return Buffer.from(raw);
    if (entry.method === 8) return inflateRawSync(raw, { maxOutputLength: MAX_ENTRY_BYTES });
  } catch {
    return null;
  }
  return null;
}
