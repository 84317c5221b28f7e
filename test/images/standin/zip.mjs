// Entry names of a .zip from its central directory (no decompression): null when the bytes are not a zip.
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;

export function zipEntryNames(buf) {
  const lowest = Math.max(0, buf.length - 22 - 0xffff);
  for (let at = buf.length - 22; at >= lowest; at--) {
    if (buf.readUInt32LE(at) !== EOCD) continue;
    const count = buf.readUInt16LE(at + 10);
    let p = buf.readUInt32LE(at + 16);
    const names = [];
    for (let i = 0; i < count; i++) {
      if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) return null;
      const nameLen = buf.readUInt16LE(p + 28);
      const extraLen = buf.readUInt16LE(p + 30);
      const commentLen = buf.readUInt16LE(p + 32);
      names.push(buf.subarray(p + 46, p + 46 + nameLen).toString('utf8'));
      p += 46 + nameLen + extraLen + commentLen;
    }
    return names;
  }
  return null;
}
