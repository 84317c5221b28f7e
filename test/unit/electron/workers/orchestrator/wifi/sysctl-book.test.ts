/** The sysctl bookkeeping of proxy-ARP bridges: what is remembered, what is put back and when (pure, plus its file). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWrites, SysctlBookStore, toRemember, toRevert } from '../../../../../../electron/workers/orchestrator/wifi/sysctl-book.js';

describe('sysctl bookkeeping', () => {
  it('remembers the values seen before the first bridge, never over an earlier memory', () => {
    expect(toRemember({}, 'wlan0', { proxyArp: '0', ipForward: '0' })).toEqual({ 'proxy_arp:wlan0': { before: '0' }, ip_forward: { before: '0' } });
    // A second bridge sees our own 1s: the originals stay.
    expect(toRemember({ 'proxy_arp:wlan0': { before: '0' }, ip_forward: { before: '0' } }, 'wlan0', { proxyArp: '1', ipForward: '1' })).toEqual({});
    expect(toRemember({ ip_forward: { before: '1' } }, 'wlan1', { proxyArp: '0', ipForward: '1' })).toEqual({ 'proxy_arp:wlan1': { before: '0' } });
  });

  it('turns on proxy ARP on both ends and forwarding', () => {
    expect(buildWrites('veth-0123456789', 'wlan0')).toEqual([
      { path: { proxyArp: 'veth-0123456789' }, value: '1' },
      { path: { proxyArp: 'wlan0' }, value: '1' },
      { path: 'ip_forward', value: '1' },
    ]);
  });

  it('puts a parent back only when no bridge remains on it, and forwarding only when none remains at all and it was off', () => {
    const book = { 'proxy_arp:wlan0': { before: '0' }, 'proxy_arp:wlan1': { before: '0' }, ip_forward: { before: '0' } };
    expect(toRevert(book, new Set(['wlan0', 'wlan1']))).toEqual({ writes: [], forget: [] });
    expect(toRevert(book, new Set(['wlan1']))).toEqual({ writes: [{ path: { proxyArp: 'wlan0' }, value: '0' }], forget: ['proxy_arp:wlan0'] });
    const last = toRevert(book, new Set());
    expect(last.writes).toEqual([{ path: { proxyArp: 'wlan0' }, value: '0' }, { path: { proxyArp: 'wlan1' }, value: '0' }, { path: 'ip_forward', value: '0' }]);
    expect(last.forget.sort()).toEqual(['ip_forward', 'proxy_arp:wlan0', 'proxy_arp:wlan1']);
  });

  it('writes nothing back for what was already on before us', () => {
    expect(toRevert({ 'proxy_arp:wlan0': { before: '1' }, ip_forward: { before: '1' } }, new Set())).toEqual({ writes: [], forget: ['proxy_arp:wlan0', 'ip_forward'] });
  });

  it('keeps its memory across a restart, and moves a corrupt file aside with the field named', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wifi-book-'));
    try {
      const a = new SysctlBookStore(dir);
      await a.load(() => undefined);
      await a.remember({ 'proxy_arp:wlan0': { before: '0' } });
      await a.remember({ 'proxy_arp:wlan0': { before: '1' } });
      const b = new SysctlBookStore(dir);
      await b.load(() => undefined);
      expect(b.current()).toEqual({ 'proxy_arp:wlan0': { before: '0' } });
      await b.forget(['proxy_arp:wlan0']);
      expect(existsSync(path.join(dir, 'wifi_sysctls.json'))).toBe(false);
      writeFileSync(path.join(dir, 'wifi_sysctls.json'), JSON.stringify({ ip_forward: { before: 'on' } }));
      const problems: Array<{ reason: string; movedTo: string }> = [];
      const c = new SysctlBookStore(dir);
      await c.load((p) => problems.push(p));
      expect(problems[0]?.reason).toMatch(/^ip_forward\.before: /);
      expect(c.current()).toEqual({});
      expect(readFileSync(problems[0]?.movedTo ?? '', 'utf8')).toContain('"on"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
