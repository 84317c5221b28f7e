// The stand-in runtime's WebSocket framing (test/images/standin/ws.mjs), fed client frames built here byte by byte.
import { describe, expect, it } from 'vitest';
import { acceptKey, CLOSE, createFrameParser, encodeFrame, OP } from '../../images/standin/ws.mjs';

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** A client frame: masked unless told, FIN unless told, optional reserved bits. */
function clientFrame(opcode: number, payload: Buffer | string, { fin = true, masked = true, rsv = 0 } = {}): Buffer {
  const data = Buffer.from(payload);
  const len = data.length;
  const head = [((fin ? 0x80 : 0) | rsv | opcode) & 0xff];
  const maskBit = masked ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126) head.push(maskBit | len);
  else if (len < 0x10000) {
    head.push(maskBit | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(len);
  } else {
    head.push(maskBit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(len));
  }
  const body = Buffer.from(data);
  if (masked) for (let i = 0; i < body.length; i++) body[i] = (body[i] ?? 0) ^ (MASK[i & 3] ?? 0);
  return Buffer.concat([Buffer.from(head), ext, masked ? MASK : Buffer.alloc(0), body]);
}

type Seen = { messages: [number, string][]; controls: [number, string][]; errors: [number, string][] };

function parser(maxMessage = 1000): { push: (b: Buffer) => void; seen: Seen } {
  const seen: Seen = { messages: [], controls: [], errors: [] };
  const p = createFrameParser({
    maxMessage,
    onMessage: (op, data) => seen.messages.push([op, data.toString()]),
    onControl: (op, data) => seen.controls.push([op, data.toString()]),
    onError: (code, reason) => seen.errors.push([code, reason]),
  });
  return { push: (b) => p.push(b), seen };
}

describe('stand-in WebSocket framing', () => {
  it('computes Sec-WebSocket-Accept as RFC 6455 §1.3 shows', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('unmasks a text frame delivered one byte at a time', () => {
    const { push, seen } = parser();
    for (const byte of clientFrame(OP.TEXT, '40/api/debug,{"token":"x"}')) push(Buffer.from([byte]));
    expect(seen.messages).toEqual([[OP.TEXT, '40/api/debug,{"token":"x"}']]);
    expect(seen.errors).toEqual([]);
  });

  it('reads 16-bit and 64-bit lengths, and several frames in one chunk', () => {
    const { push, seen } = parser(100_000);
    const mid = 'm'.repeat(300);
    const big = 'b'.repeat(70_000);
    push(Buffer.concat([clientFrame(OP.TEXT, mid), clientFrame(OP.BINARY, big), clientFrame(OP.TEXT, '')]));
    expect(seen.messages.map(([op, d]) => [op, d.length])).toEqual([
      [OP.TEXT, 300],
      [OP.BINARY, 70_000],
      [OP.TEXT, 0],
    ]);
  });

  it('reassembles a fragmented message with a ping between its fragments', () => {
    const { push, seen } = parser();
    push(clientFrame(OP.TEXT, '42/api/debug,["debug', { fin: false }));
    push(clientFrame(OP.PING, 'hb'));
    push(clientFrame(OP.CONT, '_command",', { fin: false }));
    push(clientFrame(OP.CONT, '{"command":"41"}]'));
    expect(seen.controls).toEqual([[OP.PING, 'hb']]);
    expect(seen.messages).toEqual([[OP.TEXT, '42/api/debug,["debug_command",{"command":"41"}]']]);
  });

  it.each([
    ['an unmasked frame', clientFrame(OP.TEXT, 'x', { masked: false }), CLOSE.PROTOCOL],
    ['reserved bits (no extension was negotiated)', clientFrame(OP.TEXT, 'x', { rsv: 0x40 }), CLOSE.PROTOCOL],
    ['a continuation with no message open', clientFrame(OP.CONT, 'x'), CLOSE.PROTOCOL],
    ['a fragmented control frame', clientFrame(OP.PING, 'x', { fin: false }), CLOSE.PROTOCOL],
    ['a control frame over 125 bytes', clientFrame(OP.PING, 'p'.repeat(126)), CLOSE.PROTOCOL],
    ['an unknown opcode', clientFrame(0x3, 'x'), CLOSE.PROTOCOL],
    ['a frame over the size cap', clientFrame(OP.TEXT, 'x'.repeat(1001)), CLOSE.TOO_BIG],
  ])('refuses %s with close code %i', (_what, frame, code) => {
    const { push, seen } = parser();
    push(frame);
    push(clientFrame(OP.TEXT, 'after'));
    expect(seen.errors.map(([c]) => c)).toEqual([code]);
    expect(seen.messages).toEqual([]);
  });

  it('refuses a 64-bit length over the cap from the header alone, before any payload arrives', () => {
    const { push, seen } = parser();
    const header = Buffer.from([0x81, 0x80 | 127, 0, 0, 0, 1, 0, 0, 0, 0]);
    push(header);
    expect(seen.errors.map(([c]) => c)).toEqual([CLOSE.TOO_BIG]);
  });

  it('refuses fragments that add up to more than the cap, and a new message inside a fragmented one', () => {
    const tooBig = parser(10);
    tooBig.push(clientFrame(OP.TEXT, '123456', { fin: false }));
    tooBig.push(clientFrame(OP.CONT, '789012'));
    expect(tooBig.seen.errors.map(([c]) => c)).toEqual([CLOSE.TOO_BIG]);
    expect(tooBig.seen.messages).toEqual([]);

    const nested = parser();
    nested.push(clientFrame(OP.TEXT, 'a', { fin: false }));
    nested.push(clientFrame(OP.TEXT, 'b'));
    expect(nested.seen.errors.map(([c]) => c)).toEqual([CLOSE.PROTOCOL]);
  });

  it('writes unmasked server frames with the shortest length encoding', () => {
    expect([...encodeFrame(OP.TEXT, 'hi')]).toEqual([0x81, 2, 0x68, 0x69]);
    expect([...encodeFrame(OP.PONG)]).toEqual([0x8a, 0]);
    expect([...encodeFrame(OP.TEXT, 'x'.repeat(125)).subarray(0, 2)]).toEqual([0x81, 125]);
    expect([...encodeFrame(OP.TEXT, 'x'.repeat(126)).subarray(0, 4)]).toEqual([0x81, 126, 0, 126]);
    expect([...encodeFrame(OP.TEXT, 'x'.repeat(65_535)).subarray(0, 4)]).toEqual([0x81, 126, 0xff, 0xff]);
    const large = encodeFrame(OP.BINARY, Buffer.alloc(65_536));
    expect([...large.subarray(0, 10)]).toEqual([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(large.length).toBe(65_546);
  });
});
