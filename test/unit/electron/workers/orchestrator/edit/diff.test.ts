import { describe, expect, it } from 'vitest';
import { effectiveSpecHash, formatChange, inPlaceVnics, specDiff } from '../../../../../../electron/workers/orchestrator/edit/diff.js';
import { withKeptMacs } from '../../../../../../electron/workers/orchestrator/edit/edit.js';
import { VplcSpec } from '../../../../../../shared/domain/vplc.js';
import type { PersistedVnic } from '../../../../../../electron/workers/orchestrator/store/schemas.js';

const base = VplcSpec.parse({
  name: 'plc1',
  vnics: [
    { name: 'lan', parentInterface: 'eth1', mode: 'static', ip: '198.18.1.10', dns: [] },
    { name: 'io', parentInterface: 'eth2', mode: 'dhcp', dns: [] },
  ],
});
const withVnic = (i: number, over: Record<string, unknown>): VplcSpec => VplcSpec.parse({ ...base, vnics: base.vnics.map((v, k) => (k === i ? { ...v, ...over } : v)) });

describe('specDiff', () => {
  it('lists each changed field as path: from → to', () => {
    const next = VplcSpec.parse({ ...withVnic(0, { ip: '198.18.2.10', gateway: '198.18.2.1' }), quotas: { cpus: 0.5 }, runtimeVersion: 'v2' });
    expect(specDiff(base, next).map(formatChange)).toEqual([
      'vnics[0].ip: 198.18.1.10 → 198.18.2.10',
      'vnics[0].gateway: (none) → 198.18.2.1',
      'runtimeVersion: latest → v2',
      'quotas.cpus: (none) → 0.5',
    ]);
  });

  it('is empty for the same spec and names added and removed vNICs', () => {
    expect(specDiff(base, base)).toEqual([]);
    const fewer = VplcSpec.parse({ ...base, vnics: [base.vnics[0]] });
    expect(specDiff(base, fewer).map(formatChange)).toEqual(['vnics[1]: io on eth2 → (removed)']);
    expect(specDiff(fewer, base).map(formatChange)).toEqual(['vnics[1]: (none) → io on eth2']);
  });

  it('names a dedicated NIC given, changed or taken away (docs/host-nics.md), so an edit of it is not "no change"', () => {
    expect(specDiff(base, VplcSpec.parse({ ...base, dedicatedInterface: 'enp4s0' })).map(formatChange)).toEqual(['dedicatedInterface: (none) → enp4s0']);
    const given = VplcSpec.parse({ ...base, dedicatedInterface: 'enp4s0' });
    expect(specDiff(given, VplcSpec.parse({ ...base, dedicatedInterface: 'enp5s0' })).map(formatChange)).toEqual(['dedicatedInterface: enp4s0 → enp5s0']);
    expect(specDiff(given, base).map(formatChange)).toEqual(['dedicatedInterface: enp4s0 → (none)']);
  });

  it('shows DNS lists readably', () => {
    expect(specDiff(base, withVnic(0, { dns: ['198.18.1.53', '198.18.1.54'] })).map(formatChange)).toEqual(['vnics[0].dns: (none) → 198.18.1.53, 198.18.1.54']);
  });
});

describe('inPlaceVnics', () => {
  const on = (next: VplcSpec): string[] | null => inPlaceVnics(base, next, specDiff(base, next));

  it('keeps the container when only static addressing changed', () => {
    expect(on(withVnic(0, { ip: '198.18.2.10', subnet: '198.18.2.0/24', gateway: '198.18.2.1' }))).toEqual(['lan']);
  });

  it('needs a recreate for anything else', () => {
    expect(on(base)).toBeNull();
    expect(on(withVnic(0, { parentInterface: 'eth3' }))).toBeNull();
    expect(on(withVnic(0, { mode: 'dhcp', ip: undefined }))).toBeNull();
    expect(on(withVnic(0, { mac: '02:00:00:00:00:01' }))).toBeNull();
    expect(on(withVnic(0, { dns: ['1.1.1.1'] }))).toBeNull();
    expect(on(withVnic(1, { mode: 'static', ip: '198.18.3.3' }))).toBeNull();
    expect(on(VplcSpec.parse({ ...withVnic(0, { ip: '198.18.2.10' }), quotas: { memoryMb: 64 } }))).toBeNull();
  });
});

describe('withKeptMacs', () => {
  const persisted = [{ name: 'lan', mac_address: '02:aa:00:00:00:01' }, { name: 'io', mac_address: '02:aa:00:00:00:02' }] as PersistedVnic[];

  it('fills in the MAC in use unless the edit gives one', () => {
    const out = withKeptMacs(withVnic(1, { mac: '02:bb:00:00:00:09' }), persisted);
    expect(out.vnics.map((v) => v.mac)).toEqual(['02:aa:00:00:00:01', '02:bb:00:00:00:09']);
  });
});

describe('effectiveSpecHash', () => {
  const applied = { container_id: 'c1', label_hash: 'old', spec_hash: 'new' };

  it('reads the edited hash only for the container the edit was applied to, with its label', () => {
    expect(effectiveSpecHash(applied, 'c1', 'old')).toBe('new');
    expect(effectiveSpecHash(applied, 'c2', 'old')).toBe('old');
    expect(effectiveSpecHash(applied, 'c1', 'other')).toBe('other');
    expect(effectiveSpecHash(undefined, 'c1', 'old')).toBe('old');
    expect(effectiveSpecHash(applied, 'c1', null)).toBeNull();
  });
});
