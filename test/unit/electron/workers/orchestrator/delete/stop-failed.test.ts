// A stop the engine refuses while the container keeps running: what was taken away before the stop (the dedicated
// NIC, the WiFi bridges and DHCP clients) comes back; the stop's own error still reaches the caller.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { OrchestratorContext } from '../../../../../../electron/workers/orchestrator/context.js';

const reprovision = vi.fn((_ctx: unknown, _name: string) => Promise.resolve());
vi.mock('../../../../../../electron/workers/orchestrator/lifecycle/reprovision.js', () => ({ reprovision: (ctx: unknown, name: string) => reprovision(ctx, name) }));

const { stopContainer } = await import('../../../../../../electron/workers/orchestrator/delete/stop.js');

const calls: string[] = [];

function fakeCtx(runningAfterStop: boolean): OrchestratorContext {
  let stopped = false;
  const ctx = {
    settings: { stopTimeoutSec: 10 },
    dedicatedNics: {
      handBack: (vplc: string) => void calls.push(`handBack ${vplc}`),
      ensure: (vplc: string) => void calls.push(`ensure ${vplc}`),
    },
    engine: {
      inspectContainer: () => Promise.resolve({ Id: 'c1', State: { Running: !stopped || runningAfterStop, ExitCode: 0 } }),
    },
    exec: {
      run: () => {
        stopped = true;
        calls.push('stop');
        return Promise.reject(new Error('engine refused the stop'));
      },
    },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return ctx as unknown as OrchestratorContext;
}

beforeEach(() => {
  calls.length = 0;
  reprovision.mockClear();
});

describe('stopContainer when the engine stop fails', () => {
  it('moves the dedicated NIC back and re-provisions the still-running vPLC, then reports the stop error', async () => {
    await expect(stopContainer(fakeCtx(true), 'plc-1', 'c1', 'cli', 'stop')).rejects.toThrow('engine refused the stop');
    expect(calls).toEqual(['handBack plc-1', 'stop', 'ensure plc-1']);
    expect(reprovision).toHaveBeenCalledTimes(1);
    expect(reprovision.mock.calls[0]?.[1]).toBe('plc-1');
  });

  it('puts nothing back when the container stopped after all', async () => {
    await expect(stopContainer(fakeCtx(false), 'plc-1', 'c1', 'cli', 'stop')).rejects.toThrow('engine refused the stop');
    expect(calls).toEqual(['handBack plc-1', 'stop']);
    expect(reprovision).not.toHaveBeenCalled();
  });
});
