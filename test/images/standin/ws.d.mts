// Types of ws.mjs for the TypeScript tests (the stand-in itself is plain JavaScript run by Node).
export declare const OP: { CONT: 0; TEXT: 1; BINARY: 2; CLOSE: 8; PING: 9; PONG: 10 };
export declare const CLOSE: { NORMAL: 1000; PROTOCOL: 1002; INVALID_DATA: 1007; TOO_BIG: 1009 };
export declare function acceptKey(key: string): string;
export declare function encodeFrame(opcode: number, payload?: Buffer | string): Buffer;
export declare function closePayload(code: number, reason?: string): Buffer;
export declare function createFrameParser(options: {
  maxMessage: number;
  onMessage: (opcode: number, data: Buffer) => void;
  onControl: (opcode: number, data: Buffer) => void;
  onError: (code: number, reason: string) => void;
}): { push: (chunk: Buffer) => void };
