// Boot sync asks `mayStart` before each start: the recovery after an engine outage passes the engine's health, so a
// shutdown that begins while it runs leaves the remaining vPLCs stopped instead of starting containers the engine is
// about to kill. It starts what it may, and it never touches a running vPLC beyond reading it.
import { expect, it } from 'vitest';
import type { OrchestratorContext } from '../../../../../../electron/workers/orchestrator/context.js';
import type { RuntimeProbe } from '../../../../../../electron/workers/orchestrator/create/pipeline.js';
import { Label } from '../../../../../../electron/workers/orchestrator/docker/labels.js';
import type { NetworkReadiness } from '../../../../../../electron/workers/orchestrator/host/interfaces.js';
import { bootSync } from '../../../../../../electron/workers/orchestrator/lifecycle/boot-sync.js';
import type { VplcControl } from '../../../../../../electron/workers/orchestrator/lifecycle/control.js';

const noop = (): void => undefined;

function fakes(): { ctx: OrchestratorContext; control: VplcControl; autoStarts: string[] } {
  const containers = ['plc-a', 'plc-b', 'plc-c'].map((name) => ({ Id: `id-${name}`, State: 'exited', Labels: { [Label.vplc]: name } }));
  const autoStarts: string[] = [];
  const ctx = {
    engine: {
      docker: { listContainers: () => Promise.resolve(containers) },
      inspectContainer: (id: string) => Promise.resolve({ Id: id, HostConfig: { RestartPolicy: { Name: 'no' } }, State: { Running: false, Status: 'exited' } }),
    },
    store: { installationId: 'test', getDesired: () => ({ desired_state: 'running', spec: {} }), getVnics: () => [] },
    ops: { inProgress: () => false },
    settings: { networkReadyFallbackMs: 60_000, dependencyWaitMs: 1_000, watchdog: { settleMs: 0 } },
    interfaces: { list: () => Promise.resolve([]) },
    warnings: { set: noop },
    clock: { monotonic: () => performance.now(), now: () => Date.now() },
    log: { debug: noop, info: noop, warn: noop, error: noop },
  } as unknown as OrchestratorContext;
  const control = { autoStart: (name: string) => (autoStarts.push(name), Promise.resolve(true)) } as unknown as VplcControl;
  return { ctx, control, autoStarts };
}

const readiness = { whenReady: () => Promise.resolve() } as unknown as NetworkReadiness;
const probe = (() => Promise.resolve(true)) as unknown as RuntimeProbe;

it('starts the stopped vPLCs that should run while mayStart says yes, and leaves the rest stopped once it says no', async () => {
  const { ctx, control, autoStarts } = fakes();
  let allowed = 2;
  const r = await bootSync(ctx, control, readiness, new AbortController().signal, probe, { reason: 'engine-recovery', parallelism: 1, settleMs: 0, mayStart: () => allowed-- > 0 });
  expect(autoStarts).toEqual(['plc-a', 'plc-b']);
  expect(r.started).toEqual(['plc-a', 'plc-b']);
  await r.restored;
});

it('starts every stopped vPLC that should run when nothing says otherwise', async () => {
  const { ctx, control, autoStarts } = fakes();
  const r = await bootSync(ctx, control, readiness, new AbortController().signal, probe, { reason: 'engine-recovery', parallelism: 1, settleMs: 0 });
  expect(autoStarts).toEqual(['plc-a', 'plc-b', 'plc-c']);
  expect(r.started).toEqual(['plc-a', 'plc-b', 'plc-c']);
});
