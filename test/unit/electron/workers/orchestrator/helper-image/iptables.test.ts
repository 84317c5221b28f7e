import { describe, expect, it } from 'vitest';
import { findHostIptables, iptablesEntries, parseLdd, XTABLES_LIBDIR } from '../../../../../../electron/workers/orchestrator/helper-image/iptables.js';
import { helperHash } from '../../../../../../electron/workers/orchestrator/helper-image/rootfs.js';

const LDD = `\tlinux-vdso.so.1 (0x00007ffd)
\tlibxtables.so.12 => /lib/x86_64-linux-gnu/libxtables.so.12 (0x00007f1a996ea000)
\tlibmnl.so.0 => /lib/x86_64-linux-gnu/libmnl.so.0 (0x00007f1a996e2000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1a994cd000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f1a997b2000)
`;

describe('the host iptables in the helper image', () => {
  it('reads the libraries and the interpreter from ldd, not the vDSO', () => {
    expect(parseLdd(LDD)).toEqual(['/lib/x86_64-linux-gnu/libxtables.so.12', '/lib/x86_64-linux-gnu/libmnl.so.0', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
    expect(parseLdd('\tnot a dynamic executable\n')).toEqual([]);
  });

  it('lays every file at its host path, the standard target under the image libdir, and bin/iptables naming the binary', () => {
    const entries = iptablesEntries({
      binary: '/usr/sbin/xtables-nft-multi',
      backend: 'nft',
      files: [
        { path: '/usr/sbin/xtables-nft-multi', bytes: Buffer.from('b') },
        { path: `${XTABLES_LIBDIR}/libxt_standard.so`, bytes: Buffer.from('s') },
        { path: '/lib64/ld-linux-x86-64.so.2', bytes: Buffer.from('l') },
      ],
    });
    const names = entries.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['usr/', 'usr/sbin/', 'usr/lib/', 'usr/lib/xtables/', 'lib64/', 'usr/sbin/xtables-nft-multi', 'usr/lib/xtables/libxt_standard.so', 'lib64/ld-linux-x86-64.so.2']));
    expect(entries.find((e) => e.name === 'bin/iptables')).toEqual({ name: 'bin/iptables', type: 'symlink', target: '/usr/sbin/xtables-nft-multi' });
  });

  it('finds this host iptables (scripts/test-all installs it) with its backend, and says why when there is none', async () => {
    const r = await findHostIptables();
    if (!('found' in r)) throw new Error(`no iptables: ${r.missing}`);
    expect(r.found.binary).toMatch(/xtables-(nft|legacy)-multi$/);
    expect(r.found.files.map((f) => f.path)).toEqual(expect.arrayContaining([r.found.binary, `${XTABLES_LIBDIR}/libxt_standard.so`]));
    expect(r.found.files.some((f) => /libxtables\.so/.test(f.path))).toBe(true);
    const none = await findHostIptables(['/nonexistent/iptables']);
    expect(none).toEqual({ missing: '/nonexistent/iptables: ENOENT' });
  });

  it('changes the image hash when the carried iptables changes', async () => {
    const r = await findHostIptables();
    if (!('found' in r)) throw new Error(r.missing);
    const bb = { path: '/bin/busybox', bytes: Buffer.from('bb'), machine: 'amd64', applets: ['sh'] };
    const changed = { ...r.found, files: r.found.files.map((f, i) => (i === 0 ? { ...f, bytes: Buffer.from('other') } : f)) };
    expect(helperHash(bb, r.found)).not.toBe(helperHash(bb));
    expect(helperHash(bb, changed)).not.toBe(helperHash(bb, r.found));
  });
});
