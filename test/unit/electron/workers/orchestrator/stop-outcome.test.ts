import { describe, expect, it } from 'vitest';
import { describeStop, stopOutcome } from '../../../../../electron/workers/orchestrator/delete/stop.js';

describe('stop outcome', () => {
  it('counts only a SIGKILL exit (137) of a running container as a kill, named with the stop timeout', () => {
    const killed = stopOutcome(true, 137, 10.04, 10);
    expect(killed).toEqual({ kind: 'killed', seconds: 10.04, timeoutSec: 10 });
    expect(describeStop(killed)).toBe('stopped by kill after 10 s (the runtime did not shut down in time)');
  });

  it('calls any other exit of a running container clean, with the time it took', () => {
    for (const code of [143, 0, 1, null]) expect(stopOutcome(true, code, 0.131, 10)).toEqual({ kind: 'clean', seconds: 0.131, exitCode: code });
    expect(describeStop(stopOutcome(true, 143, 0.131, 10))).toBe('stopped cleanly in 0.13 s');
  });

  it('says a container that was not running was already stopped, whatever its last exit code', () => {
    expect(stopOutcome(false, 137, 0.01, 10)).toEqual({ kind: 'not-running' });
    expect(describeStop({ kind: 'not-running' })).toBe('was already stopped');
  });
});
