// The real-time ulimits are learnt once per orchestrator by a probe container without a network, shared by the
// creates in flight, so no vPLC start fails with a MACVLAN endpoint on a host that refuses them (issue 19).
import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import type { OrchestratorContext } from '../../../../../../electron/workers/orchestrator/context.js';
import { learnRtLimits } from '../../../../../../electron/workers/orchestrator/create/rt-limits.js';

const refusal = Object.assign(new Error('rlimit'), {
  statusCode: 500,
  json: { message: 'failed to create shim task: OCI runtime create failed: error setting rlimit type 8: operation not permitted: unknown' },
});

type Step = { kind: string; container?: string; options?: Docker.ContainerCreateOptions };

function fake(start: 'refused' | 'ok' | 'other', create: 'ok' | 'fails' = 'ok') {
  const steps: Step[] = [];
  const noop = (): void => undefined;
  const ctx = {
    store: { installationId: 'inst' },
    hostFacts: { rtLimitsRefused: false },
    log: { debug: noop, info: noop, warn: noop, error: noop },
    exec: {
      run: async (s: Step): Promise<string | void> => {
        steps.push(s);
        await new Promise((r) => setTimeout(r, 5));
        if (s.kind === 'create-container') {
          if (create === 'fails') throw new Error('no such image');
          return 'probe1';
        }
        if (s.kind === 'start' && start === 'refused') throw refusal;
        if (s.kind === 'start' && start === 'other') throw new Error('exec: "true": executable file not found');
      },
    },
  } as unknown as OrchestratorContext;
  return { ctx, steps };
}

describe('learnRtLimits', () => {
  it('runs one probe for concurrent creates, without a network, and removes it; a refusal is remembered', async () => {
    const { ctx, steps } = fake('refused');
    await Promise.all(Array.from({ length: 12 }, () => learnRtLimits(ctx, 'runtime:1', 'cli')));
    expect(steps.map((s) => s.kind)).toEqual(['create-container', 'start', 'remove']);
    const opts = steps[0]?.options;
    expect(opts?.HostConfig?.NetworkMode).toBe('none');
    expect(opts?.HostConfig?.Ulimits).toEqual([{ Name: 'rtprio', Soft: 99, Hard: 99 }, { Name: 'memlock', Soft: -1, Hard: -1 }]);
    expect(opts?.NetworkingConfig).toBeUndefined();
    expect(steps[2]?.container).toBe('probe1');
    expect(ctx.hostFacts.rtLimitsRefused).toBe(true);
    await learnRtLimits(ctx, 'runtime:1', 'cli');
    expect(steps).toHaveLength(3);
  });

  it('leaves the ulimits on when the probe starts, and does not probe again', async () => {
    const { ctx, steps } = fake('ok');
    await learnRtLimits(ctx, 'runtime:1', 'cli');
    await learnRtLimits(ctx, 'runtime:1', 'cli');
    expect(ctx.hostFacts.rtLimitsRefused).toBe(false);
    expect(steps.map((s) => s.kind)).toEqual(['create-container', 'start', 'remove']);
  });

  it('treats any other failure as unknown (the first start finds out), never as a refusal or a failed create', async () => {
    const other = fake('other');
    await learnRtLimits(other.ctx, 'runtime:1', 'cli');
    expect(other.ctx.hostFacts.rtLimitsRefused).toBe(false);
    expect(other.steps.map((s) => s.kind)).toEqual(['create-container', 'start', 'remove']);
    const noImage = fake('ok', 'fails');
    await expect(learnRtLimits(noImage.ctx, 'runtime:1', 'cli')).resolves.toBeUndefined();
    expect(noImage.ctx.hostFacts.rtLimitsRefused).toBe(false);
  });

  it('does not probe when the refusal is already known', async () => {
    const { ctx, steps } = fake('refused');
    ctx.hostFacts.rtLimitsRefused = true;
    await learnRtLimits(ctx, 'runtime:1', 'cli');
    expect(steps).toEqual([]);
  });
});
