/**
 * Hex text of the debug protocol (docs/protocol.md §4.11 "Hex encoding"): input in either case, spaced or not; output
 * as uppercase pairs separated by spaces. Errors carry the protocol's parser texts (`empty input`, `malformed hex: …`).
 * Plain Uint8Array (no Node Buffer): the renderer uses it too.
 */

export class HexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HexError';
  }
}

/** Bytes of a hex text; throws HexError (`empty input`, `malformed hex: …`). */
export function parseHex(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (compact === '') throw new HexError('empty input');
  const bad = /[^0-9a-fA-F]/.exec(compact);
  if (bad) throw new HexError(`malformed hex: unexpected character ${JSON.stringify(bad[0])} at position ${bad.index}`);
  if (compact.length % 2 !== 0) throw new HexError(`malformed hex: odd number of digits (${compact.length})`);
  const out = new Uint8Array(compact.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(compact.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `2A 00 FF`: uppercase pairs with single spaces (no bytes give ``). */
export function formatHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}
