// Types of debug.mjs for the TypeScript tests (the stand-in itself is plain JavaScript run by Node).
export type DebugReply = { success: true; data: string } | { success: false; error: string };
export declare const RECORDED_MD5: string;
export declare function parseHex(text: string): Buffer | null;
export declare function createDebugCommands(options: {
  plc: { debugTick: () => { run: object; tick: number } | null };
  md5: () => string;
}): (payload: unknown) => DebugReply;
