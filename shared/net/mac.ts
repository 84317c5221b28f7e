/**
 * MAC address helpers (docs/protocol.md §5.5). The canonical form is lower-case, colon-separated:
 * `0a:1b:2c:3d:4e:5f`.
 */

const COLON_RE = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;
const DASH_RE = /^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5}$/;
const DOTTED_RE = /^[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4}){2}$/;
const BARE_RE = /^[0-9A-Fa-f]{12}$/;

export const ALL_ZERO_MAC = '00:00:00:00:00:00';

/**
 * Accepts `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`, `aabb.ccdd.eeff` and `aabbccddeeff` (any case);
 * returns the canonical form, or null. Separators may not be mixed.
 */
export function normalizeMac(s: string): string | null {
  if (typeof s !== 'string') return null;
  let hex: string;
  if (COLON_RE.test(s) || DASH_RE.test(s)) hex = s.replace(/[:-]/g, '');
  else if (DOTTED_RE.test(s)) hex = s.replace(/\./g, '');
  else if (BARE_RE.test(s)) hex = s;
  else return null;
  hex = hex.toLowerCase();
  return hex.match(/../g)?.join(':') ?? null;
}

function firstOctet(mac: string): number | null {
  const n = normalizeMac(mac);
  return n === null ? null : parseInt(n.slice(0, 2), 16);
}

/** True for a valid MAC whose group bit (bit 0 of the first octet) is clear. */
export function isUnicastMac(mac: string): boolean {
  const o = firstOctet(mac);
  return o !== null && (o & 0x01) === 0;
}

/** True for a valid MAC whose local bit (bit 1 of the first octet) is set. */
export function isLocallyAdministered(mac: string): boolean {
  const o = firstOctet(mac);
  return o !== null && (o & 0x02) !== 0;
}

export function isAllZeroMac(mac: string): boolean {
  return normalizeMac(mac) === ALL_ZERO_MAC;
}

/** A valid unicast MAC that is not all zeros: what a user may choose for a vNIC. */
export function isAssignableMac(mac: string): boolean {
  return isUnicastMac(mac) && !isAllZeroMac(mac);
}

function randomInt(random: () => number, bound: number): number {
  const n = Math.floor(random() * bound);
  // Guard against a source that returns exactly 1 (or slightly outside [0, 1)).
  return Math.min(bound - 1, Math.max(0, Number.isFinite(n) ? n : 0));
}

/**
 * docs/protocol.md §5.5 generated MAC: first octet `0x02 | (r << 2)` with r uniform in 0..63, then five
 * uniformly random octets. Always locally administered and unicast (02, 06, 0a, …, fe).
 * `random` behaves like Math.random (a float in [0, 1)); inject a seeded one in tests.
 */
export function generateMac(random: () => number): string {
  const octets = [0x02 | (randomInt(random, 64) << 2)];
  for (let i = 0; i < 5; i++) octets.push(randomInt(random, 256));
  return octets.map((o) => o.toString(16).padStart(2, '0')).join(':');
}
