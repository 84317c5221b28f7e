/**
 * Pure IPv4 maths. Addresses are unsigned 32-bit integers (0 … 2^32-1) held in a JS number.
 * Parsing is strict: dotted quads of four decimal octets 0-255 without leading zeros ("01" is rejected),
 * prefixes 0-32 without leading zeros. Nothing here touches the host.
 */

const OCTET_RE = /^(0|[1-9][0-9]{0,2})$/;
const PREFIX_RE = /^(0|[1-9][0-9]?)$/;
const UINT32_SPAN = 0x1_0000_0000;

export interface Cidr {
  /** The network address (host bits cleared). */
  network: number;
  prefix: number;
}

function isUint32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n < UINT32_SPAN;
}

function isPrefix(p: number): boolean {
  return Number.isInteger(p) && p >= 0 && p <= 32;
}

/** The netmask of a prefix as a uint32. */
function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffff_ffff << (32 - prefix)) >>> 0;
}

/** The number of addresses in a block of this prefix. */
function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

function parsePrefix(s: string): number | null {
  if (!PREFIX_RE.test(s)) return null;
  const p = Number(s);
  return p <= 32 ? p : null;
}

/** Strict dotted quad → uint32, or null. */
export function parseIpv4(s: string): number | null {
  if (typeof s !== 'string') return null;
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!OCTET_RE.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    n = n * 256 + octet;
  }
  return n;
}

/** uint32 → dotted quad. Throws RangeError for anything that is not a uint32. */
export function formatIpv4(n: number): string {
  if (!isUint32(n)) throw new RangeError(`Not an IPv4 address value: ${n}`);
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

export function isIpv4(s: string): boolean {
  return parseIpv4(s) !== null;
}

/** `a.b.c.d/p` → normalised network and prefix (host bits may be set in the input), or null. */
export function parseCidr(s: string): Cidr | null {
  if (typeof s !== 'string') return null;
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIpv4(s.slice(0, slash));
  const prefix = parsePrefix(s.slice(slash + 1));
  if (ip === null || prefix === null) return null;
  return { network: (ip & maskOf(prefix)) >>> 0, prefix };
}

/** `{network, prefix}` → `a.b.c.d/p`; host bits of `network` are cleared. Throws RangeError on bad input. */
export function cidrToString(c: { network: number; prefix: number }): string {
  if (!isPrefix(c.prefix)) throw new RangeError(`Not an IPv4 prefix: ${c.prefix}`);
  if (!isUint32(c.network)) throw new RangeError(`Not an IPv4 address value: ${c.network}`);
  return `${formatIpv4((c.network & maskOf(c.prefix)) >>> 0)}/${c.prefix}`;
}

/** `192.168.1.10/24` → `192.168.1.0/24`; null when not a CIDR. */
export function normalizeCidr(s: string): string | null {
  const c = parseCidr(s);
  return c === null ? null : cidrToString(c);
}

/** Dotted netmask → prefix length; null unless the mask is a valid, contiguous netmask. */
export function netmaskToPrefix(mask: string): number | null {
  const m = parseIpv4(mask);
  if (m === null) return null;
  const inverted = ~m >>> 0;
  // A contiguous mask's inverse is 2^k - 1, so adding one leaves no common bit.
  if ((inverted & (inverted + 1)) !== 0) return null;
  return 32 - Math.log2(inverted + 1);
}

/** Prefix length → dotted netmask. Throws RangeError outside 0-32. */
export function prefixToNetmask(prefix: number): string {
  if (!isPrefix(prefix)) throw new RangeError(`Not an IPv4 prefix: ${prefix}`);
  return formatIpv4(maskOf(prefix));
}

/** Whether `ip` lies inside `cidr`; false when either does not parse. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const a = parseIpv4(ip);
  const c = parseCidr(cidr);
  if (a === null || c === null) return false;
  return ((a & maskOf(c.prefix)) >>> 0) === c.network;
}

/** Whether two CIDR blocks share at least one address; false when either does not parse. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (x === null || y === null) return false;
  const mask = maskOf(Math.min(x.prefix, y.prefix));
  return ((x.network & mask) >>> 0) === ((y.network & mask) >>> 0);
}

/**
 * The address `offset` places after the network address of `cidr` (offset 1 = first host).
 * Throws RangeError when the CIDR does not parse or the offset falls outside the block.
 */
export function hostAddress(cidr: string, offset: number): string {
  const c = parseCidr(cidr);
  if (c === null) throw new RangeError(`Not a CIDR: ${cidr}`);
  if (!Number.isInteger(offset) || offset < 0 || offset >= blockSize(c.prefix)) {
    throw new RangeError(`Offset ${offset} is outside ${cidrToString(c)}`);
  }
  return formatIpv4(c.network + offset);
}

/**
 * Whether `ip` can be given to a host in `cidr`: inside it and, for prefixes up to /30, neither the
 * network nor the broadcast address. In a /31 (RFC 3021) both addresses are usable, in a /32 the one.
 */
export function isUsableHost(ip: string, cidr: string): boolean {
  const a = parseIpv4(ip);
  const c = parseCidr(cidr);
  if (a === null || c === null) return false;
  if (((a & maskOf(c.prefix)) >>> 0) !== c.network) return false;
  if (c.prefix > 30) return true;
  const broadcast = c.network + blockSize(c.prefix) - 1;
  return a !== c.network && a !== broadcast;
}

/** `a.b.c.d` or `a.b.c.d/p` → its parts; null when either part is invalid. */
export function splitIpAndPrefix(s: string): { ip: string; prefix?: number } | null {
  if (typeof s !== 'string') return null;
  const slash = s.indexOf('/');
  if (slash < 0) return parseIpv4(s) === null ? null : { ip: s };
  const ip = s.slice(0, slash);
  const prefix = parsePrefix(s.slice(slash + 1));
  if (parseIpv4(ip) === null || prefix === null) return null;
  return { ip, prefix };
}

/**
 * docs/protocol.md §5.4 subnet resolution, rules 1–4 (the first that applies wins):
 *  1. `subnet` in CIDR form, normalised to its network address;
 *  2. `subnet` as a contiguous netmask with `gateway`: `<gateway AND mask>/<prefix>`;
 *  3. `subnet` as a netmask with a static `ip`: `<ip AND mask>/<prefix>`;
 *  4. a static `ip` carrying a prefix (`ipPrefix`, or `/p` inside `ip`): the network of that CIDR.
 * Returns null when none applies; the caller then asks the interface cache (rule 5).
 * `ip` may be given with or without a `/prefix`; an explicit `ipPrefix` wins over one inside `ip`.
 */
export function resolveSubnet(v: { subnet?: string; gateway?: string; ip?: string; ipPrefix?: number }): string | null {
  const ipParts = v.ip === undefined ? null : splitIpAndPrefix(v.ip);
  const ip = ipParts === null ? null : parseIpv4(ipParts.ip);
  const ipPrefix = v.ipPrefix !== undefined && isPrefix(v.ipPrefix) ? v.ipPrefix : ipParts?.prefix;

  if (v.subnet !== undefined) {
    const cidr = parseCidr(v.subnet);
    if (cidr !== null) return cidrToString(cidr);
    const prefix = netmaskToPrefix(v.subnet);
    if (prefix !== null) {
      const gateway = v.gateway === undefined ? null : parseIpv4(v.gateway);
      if (gateway !== null) return cidrToString({ network: gateway, prefix });
      if (ip !== null) return cidrToString({ network: ip, prefix });
    }
  }
  if (ip !== null && ipPrefix !== undefined) return cidrToString({ network: ip, prefix: ipPrefix });
  return null;
}
