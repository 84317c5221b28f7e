import { gzipSync } from 'node:zlib';

/** A regular file, a directory or a symbolic link; names are relative (no leading `/`), ours and short. */
export type TarEntry =
  | { name: string; data: Buffer | string; mode?: number; type?: 'file' }
  | { name: string; type: 'dir'; mode?: number }
  | { name: string; type: 'symlink'; target: string };

const TYPE_FLAG = { file: '0', symlink: '2', dir: '5' } as const;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function field(h: Buffer, value: string, offset: number, width: number, what: string, name: string): void {
  if (Buffer.byteLength(value) > width) throw new Error(`tar entry ${what} too long: ${name}`);
  h.write(value, offset, width, 'utf8');
}

/** One ustar header, owned by root (uid/gid 0). Names and link targets longer than 100 bytes are refused. */
function header(e: TarEntry, size: number, mtime: number): Buffer {
  const type = e.type ?? 'file';
  const h = Buffer.alloc(512, 0);
  field(h, e.name, 0, 100, 'name', e.name);
  const mode = type === 'symlink' ? 0o777 : e.type !== 'symlink' && e.mode !== undefined ? e.mode : type === 'dir' ? 0o755 : 0o644;
  h.write(octal(mode, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(TYPE_FLAG[type], 156, 1, 'ascii');
  if (e.type === 'symlink') field(h, e.target, 157, 100, 'link target', e.name);
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  const sum = h.reduce((a, b) => a + b, 0);
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/** An uncompressed ustar archive (what `tar -xf` and `docker import` read). */
export function tar(entries: readonly TarEntry[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === 'dir' || e.type === 'symlink' ? Buffer.alloc(0) : typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data;
    parts.push(header(e, data.length, mtime), data, Buffer.alloc((512 - (data.length % 512)) % 512, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

/** A gzip-compressed ustar archive (what `tar -xzf` reads). */
export function tarGz(entries: readonly TarEntry[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  return gzipSync(tar(entries, mtime));
}
