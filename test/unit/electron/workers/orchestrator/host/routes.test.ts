import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostSubnets, parseFibTrie } from '../../../../../../electron/workers/orchestrator/host/routes.js';

// A FIB dump as the kernel prints it (Main and Local tables, one policy table by id), trimmed.
const FIB = `Main:
  +-- 0.0.0.0/0 3 0 4
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 172.17.0.0/16 2 0 2
        +-- 172.17.0.0/31 1 0 0
           |-- 172.17.0.0
              /16 link UNICAST
           |-- 172.17.0.1
              /32 host LOCAL
        |-- 172.17.255.255
           /32 link BROADCAST
     +-- 198.19.91.0/29 2 1 2
           |-- 198.19.91.0
              /29 link UNICAST
              /30 link UNICAST tos=16
Local:
  +-- 0.0.0.0/0 3 0 4
     +-- 127.0.0.0/8 2 0 2
           |-- 127.0.0.1
              /32 host LOCAL
Id 100:
  |-- 10.9.0.0
     /16 universe BLACKHOLE
`;

describe('parseFibTrie', () => {
  it('lists every table\'s route destinations, trie nodes and default routes left out', () => {
    expect(parseFibTrie(FIB)?.sort()).toEqual(
      ['10.9.0.0/16', '127.0.0.1/32', '172.17.0.0/16', '172.17.0.1/32', '172.17.255.255/32', '198.19.91.0/29', '198.19.91.0/30'].sort(),
    );
  });

  it('does not take a trie node (`+--`) for a route: 172.17.0.0/31 is not one', () => {
    expect(parseFibTrie(FIB)).not.toContain('172.17.0.0/31');
    expect(parseFibTrie(FIB)).not.toContain('198.19.91.0/31');
  });

  it('answers null for text that is not a FIB dump, so the caller asks iproute2', () => {
    expect(parseFibTrie('')).toBeNull();
    expect(parseFibTrie('garbage\n  /24 link UNICAST\n')).toBeNull();
  });
});

describe('hostSubnets', () => {
  it('reads the FIB text at every call: a changed text is parsed again, an empty one means no routes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vt-fib-'));
    const file = path.join(dir, 'fib_trie');
    try {
      writeFileSync(file, FIB);
      expect(await hostSubnets(file)).toContain('198.19.91.0/29');
      writeFileSync(file, FIB.replace('198.19.91.0\n', '198.19.92.0\n'));
      const changed = await hostSubnets(file);
      expect(changed).toContain('198.19.92.0/29');
      expect(changed).not.toContain('198.19.91.0/29');
      writeFileSync(file, '');
      expect(await hostSubnets(file)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
