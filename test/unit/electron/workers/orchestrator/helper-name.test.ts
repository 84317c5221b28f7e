import { describe, expect, it } from 'vitest';
import { ownLabels } from '../../../../../electron/workers/orchestrator/docker/labels.js';
import { helperName } from '../../../../../electron/workers/orchestrator/spec/helper-name.js';
import { hostHelperSpec, netnsHelperSpec } from '../../../../../electron/workers/orchestrator/spec/netns-helper.js';

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

describe('helper container names', () => {
  it('name the vPLC, the role and the vNIC, with a suffix', () => {
    expect(helperName(ownLabels('inst', 'dhcp', { vplc: 'plc-1', vnic: 'lan' }), 'netns', 'abc123')).toBe('plc-1-dhcp-lan-abc123');
    expect(helperName(ownLabels('inst', 'helper', { vplc: 'plc_2.a' }), 'netns', 'abc123')).toBe('plc_2.a-helper-abc123');
    expect(helperName(ownLabels('inst', 'helper', { vplc: 'plc1' }), 'host', 'abc123')).toBe('plc1-host-helper-abc123');
  });

  it('are unique per call and valid Docker names even for odd vNIC names and the longest vPLC name', () => {
    const labels = ownLabels('inst', 'dhcp', { vplc: 'p'.repeat(63), vnic: 'eth 0/ä' });
    const names = new Set(Array.from({ length: 50 }, () => helperName(labels, 'netns')));
    expect(names.size).toBe(50);
    for (const n of names) {
      expect(n).toMatch(DOCKER_NAME);
      expect(n.length).toBeLessThanOrEqual(100);
    }
  });

  it('are set by both helper specs, labels unchanged', () => {
    const labels = ownLabels('inst', 'helper', { vplc: 'plc1' });
    const netns = netnsHelperSpec({ image: 'i', target: 't', cmd: ['true'], labels });
    const host = hostHelperSpec({ image: 'i', cmd: ['true'], labels, capabilities: ['NET_RAW'] });
    expect(netns.name).toMatch(/^plc1-helper-[0-9a-f]{6}$/);
    expect(host.name).toMatch(/^plc1-host-helper-[0-9a-f]{6}$/);
    expect(netns.Labels).toEqual(labels);
  });
});
