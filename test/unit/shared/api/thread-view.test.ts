// agent:threads names only the agent's own threads: main and the workers the supervisor runs.
import { describe, expect, it } from 'vitest';
import { ThreadName, ThreadView } from '../../../../shared/api/contract.js';
import { WorkerName } from '../../../../electron/lib/protocol/messages.js';

describe('ThreadView', () => {
  it('names main and exactly the workers of the worker protocol', () => {
    expect(ThreadName.options).toEqual(['main', ...WorkerName.options]);
  });

  it('refuses a thread name that is neither main nor a worker, naming the field', () => {
    const r = ThreadView.safeParse({ name: 'V8 platform 1', tid: 7, heapUsed: 1, heapTotal: 2 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['name']);
    expect(ThreadView.safeParse({ name: 'netmon', tid: 7, heapUsed: 1, heapTotal: 2 }).success).toBe(true);
  });
});
