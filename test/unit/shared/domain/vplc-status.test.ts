import { describe, expect, it } from 'vitest';
import { VplcStatus } from '../../../../shared/domain/vplc-status.js';
import { invoke } from '../../../../shared/api/contract.js';
import { droppedPaths } from '../../../support/dropped-paths.js';

// The answers of docs/protocol.md §4.5, without `action`/`correlation_id`, one per rule.
const ANSWERS = {
  blank: { status: 'error', error: 'Device ID must be a non-empty string' },
  creating: { status: 'creating', device_id: 'plc1', operation: 'create', started_at: '2026-04-10T12:00:00.123456', updated_at: '2026-04-10T12:00:03.000001', step: 'pulling_image', message: 'Container plc1 is being created' },
  failed: { status: 'error', device_id: 'plc1', operation: 'create', started_at: '2026-04-10T12:00:00.123456', updated_at: '2026-04-10T12:00:03.000001', error: 'boom', message: 'Operation failed: boom' },
  notFound: { status: 'not_found', device_id: 'X', message: 'Container X does not exist' },
  engineError: { status: 'error', device_id: 'X', error: 'Failed to retrieve container status: connect ENOENT /var/run/docker.sock' },
  success: {
    status: 'success',
    device_id: 'plc1',
    container_status: 'running',
    is_running: true,
    networks: { 'macvlan_eth0_192.168.1.0_24': { ip_address: '192.168.1.57', mac_address: '0a:1b:2c:3d:4e:5f', gateway: '192.168.1.1' } },
    restart_count: 0,
    internal_ip: '172.29.0.10',
    uptime_seconds: 3600,
    health_status: 'healthy',
    orchestrator_state: {
      managed: 'labelled',
      desired_state: 'running',
      restarts_in_window: 0,
      restart_suspended: false,
      warnings: ['real-time limits unavailable on this host'],
      last_error: { operation: 'create', error: 'boom', at: '2026-04-10T12:00:03.000001' },
      pending_changes: [],
    },
  },
};

describe('the vPLC status', () => {
  it.each(Object.entries(ANSWERS))('reads the %s answer field for field', (_rule, answer) => {
    const parsed = VplcStatus.parse(answer);
    expect(droppedPaths(answer, parsed)).toEqual([]);
    expect(parsed).toEqual(answer);
  });

  it('is the schema of the vplc:status channel', () => {
    expect(invoke['vplc:status'].output).toBe(VplcStatus);
  });

  it('refuses a status word or step the orchestrator never uses', () => {
    expect(VplcStatus.safeParse({ ...ANSWERS.creating, step: 'painting' }).success).toBe(false);
    expect(VplcStatus.safeParse({ status: 'running' }).success).toBe(false);
  });
});
