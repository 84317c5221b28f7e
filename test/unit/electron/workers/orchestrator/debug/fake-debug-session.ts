import type { VarAddress } from '../../../../../../shared/debug/types.js';
import type { RuntimeCredentials, RuntimeDebugSession, RuntimeDebugSessions } from '../../../../../../electron/workers/orchestrator/debug/types.js';

/**
 * A runtime's debug interface in memory, with the v4 behaviour the recordings show (docs/debug.md): GET_LIST values in
 * request order, addresses it lacks skipped silently, a forced value read back until released, the tick counting reads.
 */
export class FakeRuntime implements RuntimeDebugSession {
  readonly values = new Map<string, Buffer>();
  readonly forced = new Map<string, Buffer>();
  readonly lists: VarAddress[][] = [];
  readonly sets: Array<{ address: VarAddress; force: boolean; value: Buffer }> = [];
  md5Calls = 0;
  tick = 100;
  /** Set to make every command fail with the runtime's words. */
  failWith: string | null = null;

  constructor(
    public programMd5: string,
    readonly littleEndian = true,
  ) {}

  static key(a: VarAddress): string {
    return `${a.array}:${a.element}`;
  }

  define(a: VarAddress, value: Buffer): void {
    this.values.set(FakeRuntime.key(a), value);
  }

  info(): Promise<{ arrays: number[]; legacy: boolean }> {
    return Promise.resolve({ arrays: [this.values.size], legacy: false });
  }

  md5(): Promise<string> {
    this.md5Calls += 1;
    return this.failWith ? Promise.reject(new Error(this.failWith)) : Promise.resolve(this.programMd5);
  }

  getList(addresses: readonly VarAddress[]): Promise<{ tick: number; lastIndex: number; data: Buffer }> {
    if (this.failWith) return Promise.reject(new Error(this.failWith));
    if (addresses.length < 1 || addresses.length > 1024) return Promise.reject(new Error('ERROR_OUT_OF_BOUNDS'));
    this.lists.push([...addresses]);
    this.tick += 1;
    const parts = addresses.flatMap((a) => {
      const k = FakeRuntime.key(a);
      const v = this.forced.get(k) ?? this.values.get(k);
      return v ? [v] : [];
    });
    return Promise.resolve({ tick: this.tick, lastIndex: addresses.length - 1, data: Buffer.concat(parts) });
  }

  set(address: VarAddress, force: boolean, value: Buffer): Promise<void> {
    if (this.failWith) return Promise.reject(new Error(this.failWith));
    this.sets.push({ address, force, value });
    const k = FakeRuntime.key(address);
    if (!this.values.has(k)) return Promise.reject(new Error('ERROR_OUT_OF_BOUNDS'));
    if (force) this.forced.set(k, value);
    else this.forced.delete(k);
    return Promise.resolve();
  }

  /** The PLC's own scan: changes a value that is not forced. */
  scan(a: VarAddress, value: Buffer): void {
    this.define(a, value);
  }
}

/** Sessions to fake runtimes per vPLC, recording opens and closes. */
export class FakeDebugSessions implements RuntimeDebugSessions {
  readonly open_ = new Map<string, string>();
  readonly opened: Array<{ key: string; vplc: string }> = [];
  readonly closed: string[] = [];
  openError: string | null = null;

  constructor(readonly runtimes: Map<string, FakeRuntime>) {}

  open(key: string, vplc: string, _credentials?: RuntimeCredentials, _port?: number): Promise<RuntimeDebugSession> {
    if (this.openError) return Promise.reject(new Error(this.openError));
    const rt = this.runtimes.get(vplc);
    if (!rt) return Promise.reject(new Error(`Device ${vplc} not found`));
    if (this.open_.get(key) !== vplc) this.opened.push({ key, vplc });
    this.open_.set(key, vplc);
    return Promise.resolve(rt);
  }

  get(key: string): RuntimeDebugSession | null {
    const vplc = this.open_.get(key);
    return vplc ? (this.runtimes.get(vplc) ?? null) : null;
  }

  close(key: string): Promise<void> {
    if (this.open_.delete(key)) this.closed.push(key);
    return Promise.resolve();
  }

  closeAll(): Promise<void> {
    for (const k of [...this.open_.keys()]) void this.close(k);
    return Promise.resolve();
  }
}
