/** `device_id` on every BASE_DEVICE topic follows the vPLC name rule; only get_device_status admits `__orchestrator__`. */
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../../shared/cloud/parse.js';
import { REQUEST_CONTRACTS, type RequestTopic } from '../../../../shared/cloud/topics.js';

const DEVICE_TOPICS = (Object.keys(REQUEST_CONTRACTS) as RequestTopic[]).filter((t) => t !== 'create_new_runtime' && 'device_id' in REQUEST_CONTRACTS[t].shape);
const NAME_REASON = "Value must be a valid container name (2-63 chars of letters, digits, '_', '.', '-', starting with a letter or digit).";
const extra = (t: RequestTopic): Record<string, unknown> => (t === 'run_command' ? { method: 'GET', api: '/x' } : {});

describe('device_id follows the vPLC name rule', () => {
  it('covers every topic that names a device', () => {
    expect(DEVICE_TOPICS.sort()).toEqual(
      ['apply_pending_changes', 'delete_device', 'get_consumption_device', 'get_device_status', 'restart_device', 'run_command', 'start_device', 'stop_device'].sort(),
    );
  });

  it.each(DEVICE_TOPICS.flatMap((t) => ['__proto__', '/plc1', '-plc', 'a', 'plc 1', 'plc/1', '../x', 'x'.repeat(64)].map((id) => [t, id] as const)))(
    '%s refuses %j with a field-named error',
    (topic, id) => {
      const r = parseCommand(REQUEST_CONTRACTS[topic], { device_id: id, ...extra(topic) });
      expect(r).toEqual({ ok: false, error: `Invalid field type: device_id: ${NAME_REASON}`, field: 'device_id' });
    },
  );

  it.each(DEVICE_TOPICS.flatMap((t) => ['constructor', 'toString', 'plc-1', 'a1', '0abc.def_9'].map((id) => [t, id] as const)))('%s accepts %j', (topic, id) => {
    expect(parseCommand(REQUEST_CONTRACTS[topic], { device_id: id, ...extra(topic) }).ok).toBe(true);
  });

  it('admits the orchestrator id only where the protocol answers it: get_device_status (self-destruct polling) and delete_device (not managed)', () => {
    for (const t of DEVICE_TOPICS) {
      expect(parseCommand(REQUEST_CONTRACTS[t], { device_id: '__orchestrator__', ...extra(t) }).ok, t).toBe(t === 'get_device_status' || t === 'delete_device');
    }
  });
});
