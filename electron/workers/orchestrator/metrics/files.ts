/**
 * Cheap repeated reads of small kernel-generated files (/proc, cgroupfs): each file is opened once and re-read with
 * a positional read at offset 0, which makes seq_file/kernfs regenerate its content. That is one thread-pool round
 * trip per read instead of open + fstat + read + close (`fs.promises.readFile`), about 5× less CPU per sample.
 * Handles are closed on a read error and when the caller drops a path.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';

const CHUNK = 16 * 1024;
/** Kernel files we read are a few KiB; refuse to grow past this. */
const MAX_BYTES = 4 * 1024 * 1024;

export class PreadFilePool {
  private readonly handles = new Map<string, Promise<FileHandle>>();

  /** Read the whole file as UTF-8, from offset 0. */
  async read(file: string): Promise<string> {
    let pending = this.handles.get(file);
    if (pending === undefined) {
      pending = open(file, 'r');
      this.handles.set(file, pending);
    }
    let fh: FileHandle;
    try {
      fh = await pending;
    } catch (e) {
      if (this.handles.get(file) === pending) this.handles.delete(file);
      throw e;
    }
    try {
      return await readAll(fh);
    } catch (e) {
      // Drop this handle only if nobody replaced it meanwhile.
      if (this.handles.get(file) === pending) await this.close(file);
      throw e;
    }
  }

  /** Close and forget one path (no-op when not open). */
  async close(file: string): Promise<void> {
    const pending = this.handles.get(file);
    if (pending === undefined) return;
    this.handles.delete(file);
    try {
      await (await pending).close();
    } catch {
      /* already closed or never opened */
    }
  }

  /** Close every path for which `drop` returns true. */
  async closeWhere(drop: (file: string) => boolean): Promise<void> {
    await Promise.all([...this.handles.keys()].filter(drop).map((f) => this.close(f)));
  }

  async closeAll(): Promise<void> {
    await this.closeWhere(() => true);
  }

  get openCount(): number {
    return this.handles.size;
  }
}

async function readAll(fh: FileHandle): Promise<string> {
  const first = Buffer.allocUnsafe(CHUNK);
  const { bytesRead } = await fh.read(first, 0, CHUNK, 0);
  if (bytesRead < CHUNK) return first.toString('utf8', 0, bytesRead);
  const chunks: Buffer[] = [first];
  let total = bytesRead;
  for (;;) {
    const buf = Buffer.allocUnsafe(CHUNK);
    const r = await fh.read(buf, 0, CHUNK, total);
    if (r.bytesRead === 0) break;
    chunks.push(r.bytesRead === CHUNK ? buf : buf.subarray(0, r.bytesRead));
    total += r.bytesRead;
    if (total > MAX_BYTES) throw new Error(`file larger than ${MAX_BYTES} bytes`);
    if (r.bytesRead < CHUNK) break;
  }
  return Buffer.concat(chunks, total).toString('utf8');
}
