/**
 * Cheap repeated reads of small kernel-generated files (/proc, cgroupfs): each file is opened once and re-read with
 * a positional read at offset 0, which makes seq_file/kernfs regenerate its content.
 *
 * The reads are synchronous on purpose: the kernel generates these files in microseconds, so a synchronous pread costs
 * less than a round trip through libuv's thread pool, and a sample of ten vPLCs no longer wakes the four pool threads
 * a dozen times. One read buffer is reused for every file. Never point this pool at a file on a network or FUSE mount:
 * a stalled read would stall the thread. Handles are closed on a read error and when the caller drops a path.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 16 * 1024;
/** Kernel files we read are a few KiB; refuse to grow past this. */
const MAX_BYTES = 4 * 1024 * 1024;

export class PreadFilePool {
  private readonly handles = new Map<string, number>();
  private buffer = Buffer.allocUnsafe(CHUNK);

  /** Read the whole file as UTF-8, from offset 0. Rejects (never throws) on an open or read error. */
  read(file: string): Promise<string> {
    try {
      return Promise.resolve(this.readSync(file));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** The same read, returning the text directly; throws on an open or read error. */
  readSync(file: string): string {
    let fd = this.handles.get(file);
    if (fd === undefined) {
      fd = openSync(file, 'r');
      this.handles.set(file, fd);
    }
    try {
      return this.readAll(fd);
    } catch (e) {
      this.closeSync(file);
      throw e;
    }
  }

  /** Close and forget one path (no-op when not open). */
  close(file: string): Promise<void> {
    this.closeSync(file);
    return Promise.resolve();
  }

  /** Close every path for which `drop` returns true. */
  closeWhere(drop: (file: string) => boolean): Promise<void> {
    for (const f of [...this.handles.keys()]) if (drop(f)) this.closeSync(f);
    return Promise.resolve();
  }

  closeAll(): Promise<void> {
    return this.closeWhere(() => true);
  }

  get openCount(): number {
    return this.handles.size;
  }

  private closeSync(file: string): void {
    const fd = this.handles.get(file);
    if (fd === undefined) return;
    this.handles.delete(file);
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
  }

  /** Reads into the shared buffer, growing it (and keeping the larger size) when a file does not fit. */
  private readAll(fd: number): string {
    let total = 0;
    for (;;) {
      if (total === this.buffer.length) {
        if (total >= MAX_BYTES) throw new Error(`file larger than ${MAX_BYTES} bytes`);
        const bigger = Buffer.allocUnsafe(Math.min(MAX_BYTES, this.buffer.length * 2));
        this.buffer.copy(bigger, 0, 0, total);
        this.buffer = bigger;
      }
      const n = readSync(fd, this.buffer, total, this.buffer.length - total, total);
      // Only a read of 0 is the end: a multi-record seq_file (/proc/self/maps, mountinfo) returns about a page per
      // read. The last read continues where the previous one stopped, so it costs a syscall, not a regeneration.
      if (n === 0) break;
      total += n;
    }
    return this.buffer.toString('utf8', 0, total);
  }
}
