import type { VarAddress } from '../../../../shared/debug/types.js';

/**
 * The runtime's live-debug interface (docs/debug.md "Runtime side"): one Socket.IO connection to `/api/debug` per
 * session, one command in flight at a time. Failures reject with an Error whose message is the protocol's text
 * (docs/protocol.md §4.11 "Debug error texts"), e.g. `Timeout: …`, `ERROR_OUT_OF_BOUNDS`, `Authentication failed: HTTP 401`.
 */
export interface RuntimeDebugSession {
  /** INFO: element counts per array (array 0 first); `legacy` when the runtime answered the older `[41][count u16]` form. */
  info(): Promise<{ arrays: number[]; legacy: boolean }>;
  /** GET_MD5: the loaded program's md5 (32 lowercase hex chars). */
  md5(): Promise<string>;
  /** GET_LIST: the values of the addresses the runtime found, concatenated in request order, in the runtime's byte order. */
  getList(addresses: readonly VarAddress[]): Promise<{ tick: number; lastIndex: number; data: Buffer }>;
  /** SET: force (`force` true, `value` the bytes) or release (`force` false) one variable. */
  set(address: VarAddress, force: boolean, value: Buffer): Promise<void>;
  /** The runtime's byte order, from GET_MD5's marker (little when unknown). */
  readonly littleEndian: boolean;
}

export interface RuntimeCredentials {
  username: string;
  password: string;
}

/** Debug sessions keyed by who uses them (`webrtc:<id>`, `http:<device>`, `local:<vplc>`). */
export interface RuntimeDebugSessions {
  /**
   * The open session `key` to vPLC `vplc`, or a new one: log in (the given credentials, else the vPLC's stored ones),
   * connect, wait for the runtime's `connected`. A key already open to another vPLC is closed first.
   */
  open(key: string, vplc: string, credentials?: RuntimeCredentials, port?: number): Promise<RuntimeDebugSession>;
  /** The open session `key`, if any (no connect). */
  get(key: string): RuntimeDebugSession | null;
  close(key: string): Promise<void>;
  closeAll(): Promise<void>;
}
