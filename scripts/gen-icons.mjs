#!/usr/bin/env node
// Draws the app icon set (build/icons, resources/icons) and the tray icons per state (resources/tray) as PNGs:
// a chip with pins, in the state's colour. Pure Node (zlib for the PNG stream), anti-aliased by 4×4 supersampling.
// Run after changing the drawing: `node scripts/gen-icons.mjs`; the PNGs are committed as source assets.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};

/** RGBA pixels (Uint8Array, row-major) → PNG bytes. */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const inRoundRect = (x, y, x0, y0, x1, y1, r) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};

/** The chip in unit coordinates: body, three pins per side, a light die. Returns [r,g,b,a] or null. */
function chipAt(x, y, body, die) {
  if (inRoundRect(x, y, 0.18, 0.18, 0.82, 0.82, 0.1)) {
    return inRoundRect(x, y, 0.36, 0.36, 0.64, 0.64, 0.05) ? die : body;
  }
  for (const c of [0.32, 0.5, 0.68]) {
    const pin = (a, b) => Math.abs(a - c) <= 0.045 && b >= 0.06 && b <= 0.18;
    if (pin(x, y) || pin(x, 1 - y) || pin(y, x) || pin(y, 1 - x)) return body;
  }
  return null;
}

function draw(size, bodyHex, dieHex = '#ffffff') {
  const body = [...hex(bodyHex), 255];
  const die = [...hex(dieHex), 255];
  const px = new Uint8Array(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = chipAt((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size, body, die);
          if (!c) continue;
          r += c[0]; g += c[1]; b += c[2]; a += c[3];
        }
      }
      const n = S * S;
      const i = (y * size + x) * 4;
      // Colour averaged over covered samples only (no dark fringe), coverage as alpha.
      const covered = a / 255;
      px[i] = covered ? Math.round(r / covered) : 0;
      px[i + 1] = covered ? Math.round(g / covered) : 0;
      px[i + 2] = covered ? Math.round(b / covered) : 0;
      px[i + 3] = Math.round(a / n);
    }
  }
  return encodePng(size, px);
}

const write = (rel, bytes) => {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  console.log(`wrote ${rel} (${bytes.length} bytes)`);
};

const APP = '#1f6feb';
for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) write(`build/icons/${size}x${size}.png`, draw(size, APP));
write('resources/icons/icon.png', draw(512, APP));
const TRAY = { connected: '#1a7f37', offline: '#6e7781', error: '#cf222e', stopped: '#bf8700' };
for (const [state, colour] of Object.entries(TRAY)) {
  write(`resources/tray/${state}.png`, draw(22, colour));
  write(`resources/tray/${state}@2x.png`, draw(44, colour));
}
