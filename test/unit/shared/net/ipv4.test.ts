import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cidrsOverlap,
  cidrToString,
  formatIpv4,
  hostAddress,
  ipInCidr,
  isIpv4,
  isUsableHost,
  netmaskToPrefix,
  normalizeCidr,
  parseCidr,
  parseIpv4,
  prefixToNetmask,
  resolveSubnet,
  splitIpAndPrefix,
} from '../../../../shared/net/ipv4.js';

const RUNS = { numRuns: 1000 };
const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
const prefix = fc.integer({ min: 0, max: 32 });
const blockOf = (p: number): number => 2 ** (32 - p);
/** Network of n for prefix p by plain arithmetic (an oracle independent of the bit maths). */
const netOf = (n: number, p: number): number => Math.floor(n / blockOf(p)) * blockOf(p);

describe('parseIpv4 / formatIpv4', () => {
  it('parses strict dotted quads', () => {
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('255.255.255.255')).toBe(0xffff_ffff);
    expect(parseIpv4('192.168.1.10')).toBe(0xc0a8_010a);
    expect(parseIpv4('10.0.0.1')).toBe(0x0a00_0001);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.00', '256.1.1.1', '1.2.3.-1', ' 1.2.3.4', '1.2.3.4 ', '1..3.4', 'a.b.c.d', '1.2.3.4/24', '0x1.2.3.4', '1e2.0.0.0', '+1.2.3.4'])(
    'rejects %j',
    (s) => {
      expect(parseIpv4(s)).toBeNull();
      expect(isIpv4(s)).toBe(false);
    },
  );

  it('formats uint32 values and refuses anything else', () => {
    expect(formatIpv4(0xc0a8_010a)).toBe('192.168.1.10');
    expect(formatIpv4(0)).toBe('0.0.0.0');
    expect(formatIpv4(0xffff_ffff)).toBe('255.255.255.255');
    expect(() => formatIpv4(-1)).toThrow(RangeError);
    expect(() => formatIpv4(2 ** 32)).toThrow(RangeError);
    expect(() => formatIpv4(1.5)).toThrow(RangeError);
  });

  it('round-trips every uint32 (property)', () => {
    fc.assert(
      fc.property(uint32, (n) => parseIpv4(formatIpv4(n)) === n),
      RUNS,
    );
  });

  it('round-trips every canonical dotted quad (property)', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), (o) => {
        const s = o.join('.');
        const n = parseIpv4(s);
        return n !== null && formatIpv4(n) === s;
      }),
      RUNS,
    );
  });
});

describe('CIDR helpers', () => {
  it('parses and normalises CIDRs', () => {
    expect(parseCidr('192.168.1.10/24')).toEqual({ network: 0xc0a8_0100, prefix: 24 });
    expect(normalizeCidr('192.168.1.10/24')).toBe('192.168.1.0/24');
    expect(normalizeCidr('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(normalizeCidr('1.2.3.4/0')).toBe('0.0.0.0/0');
    expect(normalizeCidr('1.2.3.4/32')).toBe('1.2.3.4/32');
    expect(cidrToString({ network: 0xc0a8_0105, prefix: 24 })).toBe('192.168.1.0/24');
    for (const bad of ['192.168.1.0', '192.168.1.0/33', '192.168.1.0/', '192.168.1.0/024', '192.168.1.0/-1', '192.168.1.0/24/1', '300.1.1.1/8', '1.2.3.4/ 8']) {
      expect(parseCidr(bad)).toBeNull();
      expect(normalizeCidr(bad)).toBeNull();
    }
    expect(() => cidrToString({ network: 0, prefix: 33 })).toThrow(RangeError);
  });

  it('normalizeCidr is idempotent and clears host bits (property)', () => {
    fc.assert(
      fc.property(uint32, prefix, (n, p) => {
        const once = normalizeCidr(`${formatIpv4(n)}/${p}`);
        return once !== null && normalizeCidr(once) === once && once === `${formatIpv4(netOf(n, p))}/${p}`;
      }),
      RUNS,
    );
  });

  it('converts netmasks and prefixes', () => {
    expect(netmaskToPrefix('255.255.255.0')).toBe(24);
    expect(netmaskToPrefix('255.255.240.0')).toBe(20);
    expect(netmaskToPrefix('0.0.0.0')).toBe(0);
    expect(netmaskToPrefix('255.255.255.255')).toBe(32);
    expect(netmaskToPrefix('255.0.255.0')).toBeNull();
    expect(netmaskToPrefix('255.255.255.1')).toBeNull();
    expect(netmaskToPrefix('0.255.255.255')).toBeNull();
    expect(netmaskToPrefix('garbage')).toBeNull();
    expect(prefixToNetmask(24)).toBe('255.255.255.0');
    expect(prefixToNetmask(0)).toBe('0.0.0.0');
    expect(prefixToNetmask(32)).toBe('255.255.255.255');
    expect(() => prefixToNetmask(33)).toThrow(RangeError);
    fc.assert(
      fc.property(prefix, (p) => netmaskToPrefix(prefixToNetmask(p)) === p),
      RUNS,
    );
  });

  it('ipInCidr', () => {
    expect(ipInCidr('192.168.1.57', '192.168.1.0/24')).toBe(true);
    expect(ipInCidr('192.168.2.1', '192.168.1.0/24')).toBe(false);
    expect(ipInCidr('192.168.1.57', '192.168.1.99/24')).toBe(true);
    expect(ipInCidr('8.8.8.8', '0.0.0.0/0')).toBe(true);
    expect(ipInCidr('bad', '192.168.1.0/24')).toBe(false);
    expect(ipInCidr('192.168.1.1', 'bad')).toBe(false);
  });

  it('ipInCidr agrees with network/prefix arithmetic (property)', () => {
    fc.assert(
      fc.property(uint32, uint32, prefix, (ip, net, p) => {
        const expected = netOf(ip, p) === netOf(net, p);
        return ipInCidr(formatIpv4(ip), `${formatIpv4(net)}/${p}`) === expected;
      }),
      RUNS,
    );
    // Addresses at both edges of a block are inside it.
    fc.assert(
      fc.property(uint32, prefix, (n, p) => {
        const cidr = `${formatIpv4(n)}/${p}`;
        const first = netOf(n, p);
        return ipInCidr(formatIpv4(first), cidr) && ipInCidr(formatIpv4(first + blockOf(p) - 1), cidr);
      }),
      RUNS,
    );
  });

  it('cidrsOverlap', () => {
    expect(cidrsOverlap('10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.1.0.0/16', '10.0.0.0/8')).toBe(true);
    expect(cidrsOverlap('192.168.1.0/24', '192.168.2.0/24')).toBe(false);
    expect(cidrsOverlap('198.18.0.0/15', '198.19.255.0/24')).toBe(true);
    expect(cidrsOverlap('bad', '10.0.0.0/8')).toBe(false);
    fc.assert(
      fc.property(uint32, prefix, uint32, prefix, (a, pa, b, pb) => {
        const [a0, b0] = [netOf(a, pa), netOf(b, pb)];
        const expected = a0 < b0 + blockOf(pb) && b0 < a0 + blockOf(pa);
        const x = `${formatIpv4(a)}/${pa}`;
        const y = `${formatIpv4(b)}/${pb}`;
        return cidrsOverlap(x, y) === expected && cidrsOverlap(y, x) === expected;
      }),
      RUNS,
    );
  });

  it('hostAddress', () => {
    expect(hostAddress('172.29.0.8/29', 1)).toBe('172.29.0.9');
    expect(hostAddress('172.29.0.8/29', 2)).toBe('172.29.0.10');
    expect(hostAddress('172.29.0.13/29', 0)).toBe('172.29.0.8');
    expect(hostAddress('172.29.0.8/29', 7)).toBe('172.29.0.15');
    expect(() => hostAddress('172.29.0.8/29', 8)).toThrow(RangeError);
    expect(() => hostAddress('172.29.0.8/29', -1)).toThrow(RangeError);
    expect(() => hostAddress('bad', 1)).toThrow(RangeError);
  });

  it('isUsableHost', () => {
    expect(isUsableHost('192.168.1.1', '192.168.1.0/24')).toBe(true);
    expect(isUsableHost('192.168.1.254', '192.168.1.0/24')).toBe(true);
    expect(isUsableHost('192.168.1.0', '192.168.1.0/24')).toBe(false);
    expect(isUsableHost('192.168.1.255', '192.168.1.0/24')).toBe(false);
    expect(isUsableHost('192.168.2.1', '192.168.1.0/24')).toBe(false);
    expect(isUsableHost('10.0.0.1', '10.0.0.0/30')).toBe(true);
    expect(isUsableHost('10.0.0.3', '10.0.0.0/30')).toBe(false);
    expect(isUsableHost('10.0.0.0', '10.0.0.0/31')).toBe(true);
    expect(isUsableHost('10.0.0.1', '10.0.0.0/31')).toBe(true);
    expect(isUsableHost('10.0.0.5', '10.0.0.5/32')).toBe(true);
    expect(isUsableHost('bad', '10.0.0.0/8')).toBe(false);
  });
});

describe('splitIpAndPrefix', () => {
  it('splits and validates', () => {
    expect(splitIpAndPrefix('192.168.1.5')).toEqual({ ip: '192.168.1.5' });
    expect(splitIpAndPrefix('192.168.1.5/24')).toEqual({ ip: '192.168.1.5', prefix: 24 });
    expect(splitIpAndPrefix('192.168.1.5/0')).toEqual({ ip: '192.168.1.5', prefix: 0 });
    for (const bad of ['192.168.1.5/33', '192.168.1.5/', '192.168.1/24', '', 'x/24', '192.168.1.5/24/2']) {
      expect(splitIpAndPrefix(bad)).toBeNull();
    }
  });
});

describe('resolveSubnet (docs/protocol.md §5.4 rules 1-4)', () => {
  it('rule 1: CIDR subnet, normalised', () => {
    expect(resolveSubnet({ subnet: '192.168.1.10/24' })).toBe('192.168.1.0/24');
    expect(resolveSubnet({ subnet: '192.168.1.0/24', gateway: '10.0.0.1', ip: '172.16.0.5/16' })).toBe('192.168.1.0/24');
  });

  it('rule 2: netmask with gateway', () => {
    expect(resolveSubnet({ subnet: '255.255.255.0', gateway: '192.168.1.1' })).toBe('192.168.1.0/24');
    expect(resolveSubnet({ subnet: '255.255.240.0', gateway: '192.168.17.1' })).toBe('192.168.16.0/20');
    expect(resolveSubnet({ subnet: '255.255.240.0', gateway: '192.168.17.1', ip: '10.0.0.5' })).toBe('192.168.16.0/20');
  });

  it('rule 3: netmask with static ip', () => {
    expect(resolveSubnet({ subnet: '255.255.255.0', ip: '192.168.5.20' })).toBe('192.168.5.0/24');
    expect(resolveSubnet({ subnet: '255.255.0.0', ip: '192.168.5.20', ipPrefix: 24 })).toBe('192.168.0.0/16');
    expect(resolveSubnet({ subnet: '255.255.0.0', ip: '192.168.5.20/24' })).toBe('192.168.0.0/16');
  });

  it('rule 4: static ip with a prefix', () => {
    expect(resolveSubnet({ ip: '192.168.5.20', ipPrefix: 24 })).toBe('192.168.5.0/24');
    expect(resolveSubnet({ ip: '192.168.5.20/25' })).toBe('192.168.5.0/25');
    expect(resolveSubnet({ ip: '192.168.5.200/25', gateway: '192.168.5.129' })).toBe('192.168.5.128/25');
  });

  it('returns null when no rule applies (the caller asks the interface cache)', () => {
    expect(resolveSubnet({})).toBeNull();
    expect(resolveSubnet({ gateway: '192.168.1.1' })).toBeNull();
    expect(resolveSubnet({ ip: '192.168.1.5' })).toBeNull();
    expect(resolveSubnet({ subnet: '255.255.255.0' })).toBeNull();
    expect(resolveSubnet({ subnet: '255.0.255.0', gateway: '192.168.1.1' })).toBeNull();
    expect(resolveSubnet({ subnet: 'garbage', ip: '10.0.0.1' })).toBeNull();
  });
});
