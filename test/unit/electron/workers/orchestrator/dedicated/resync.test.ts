import { describe, expect, it } from 'vitest';
import { resyncPlan } from '../../../../../../electron/workers/orchestrator/dedicated/resync.js';

describe('resyncPlan', () => {
  it('ensures running vPLCs, idles stopped ones, forgets entries whose vPLC is gone', () => {
    const plan = resyncPlan({
      entries: [
        ['run', 'enp1'],
        ['stopped', 'enp2'],
        ['gone', 'enp3'],
      ],
      wanted: [],
      containers: new Map([
        ['run', { running: true }],
        ['stopped', { running: false }],
      ]),
      known: (v) => v !== 'gone',
    });
    expect(plan).toEqual([
      { vplc: 'gone', nic: 'enp3', action: 'forget' },
      { vplc: 'run', nic: 'enp1', action: 'ensure' },
      { vplc: 'stopped', nic: 'enp2', action: 'idle' },
    ]);
  });

  it('keeps an entry of a known vPLC without a container (a create in progress) and ensures a wanted NIC whose move failed', () => {
    const plan = resyncPlan({ entries: [['creating', 'enp1']], wanted: [['failed', 'enp2']], containers: new Map([['failed', { running: true }]]), known: () => true });
    expect(plan).toEqual([
      { vplc: 'creating', nic: 'enp1', action: 'idle' },
      { vplc: 'failed', nic: 'enp2', action: 'ensure' },
    ]);
  });

  it('prefers the entry (what was moved) over the spec', () => {
    const plan = resyncPlan({ entries: [['p', 'old0']], wanted: [['p', 'new0']], containers: new Map([['p', { running: true }]]), known: () => true });
    expect(plan).toEqual([{ vplc: 'p', nic: 'old0', action: 'ensure' }]);
  });
});
