import { describe, expect, it } from 'vitest';
import { flockedKeys, isFlocked, lockKey } from '../../../../../electron/lib/lock/proc-locks.js';
import { describePortHolder, listenersOn } from '../../../../../electron/lib/lock/port-holder.js';

describe('/proc/locks', () => {
  it('encodes a device number the way the kernel prints it (hex major:minor, decimal inode)', () => {
    expect(lockKey(0xfe00n, 2146850n)).toBe('fe:0:2146850');
    // glibc's makedev: minor numbers above 255 live in the high bits of dev_t.
    const makedev = (major: bigint, minor: bigint): bigint => (minor & 0xffn) | ((major & 0xfffn) << 8n) | ((minor & ~0xffn) << 12n) | ((major & ~0xfffn) << 32n);
    expect(lockKey(makedev(8n, 0x123n), 7n)).toBe('8:123:7');
    expect(lockKey(makedev(0n, 0x2dn), 99n)).toBe('0:2d:99');
  });

  it('lists exclusive flock holders only, not waiters, read locks or POSIX locks', () => {
    const text = [
      '1: FLOCK  ADVISORY  WRITE 7391 fe:00:2146850 0 EOF',
      '1: -> FLOCK  ADVISORY  WRITE 7400 fe:00:2146850 0 EOF',
      '2: FLOCK  ADVISORY  READ 10 fe:00:99 0 EOF',
      '3: POSIX  ADVISORY  WRITE 11 fe:00:100 0 EOF',
      '4: FLOCK  ADVISORY  WRITE -1 00:1a:5 0 EOF',
    ].join('\n');
    expect([...flockedKeys(text)].sort()).toEqual(['0:1a:5', 'fe:0:2146850']);
  });

  it('says a missing file is not locked', async () => {
    expect(await isFlocked('/nonexistent/vplc.lock', () => Promise.resolve(''))).toBe(false);
  });
});

describe('/proc/net/tcp', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:BDEE 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 4242 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:BDEE 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1',
    '   2: 00000000:BDEF 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0',
  ].join('\n');

  it('finds the listener of a port, not its connections', () => {
    expect(listenersOn(table, 48622)).toEqual([{ uid: 65534, inode: 4242 }]);
    expect(listenersOn(table, 48623)).toEqual([{ uid: 0, inode: 4444 }]);
    expect(listenersOn(table, 40000)).toEqual([]);
  });

  it('names the holder as far as it is known', () => {
    expect(describePortHolder(48750, { uid: 65534, inode: 1, pid: 812, command: 'python3' })).toBe('port 48750 is held by another process (pid 812 `python3`, uid 65534)');
    expect(describePortHolder(48750, { uid: 1001, inode: 1, pid: null, command: null })).toBe('port 48750 is held by another process (uid 1001; its pid is not visible to this user)');
  });
});
