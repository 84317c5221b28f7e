import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Orchestrator, type OrchestratorDeps } from '../../electron/workers/orchestrator/orchestrator.js';
import type { OrchestratorSettingsInput } from '../../electron/workers/orchestrator/settings.js';
import { removeByLabels, STANDIN_REPO } from './docker.js';
import { internalPoolFor, workerSlot } from './run.js';

export type OrchestratorFixture = {
  orch: Orchestrator;
  dataDir: string;
  /** Opens a second agent on the same data dir (an agent restart). */
  reopen(extra?: Partial<OrchestratorDeps>): Promise<Orchestrator>;
  dispose(): Promise<void>;
};

/**
 * Test parents are veth pairs named `vt…` (test/support/veth.ts), which the default policy (physical Ethernet only)
 * refuses; tests allow them explicitly, as a plant with unusual NICs would in its settings file.
 */
export const TEST_PARENT_POLICY = { allow: ['vt*'] };

/** A settings file for a spawned agent that allows the test parents. */
/** A settings file for a spawned agent; `orchestrator` adds settings of that section (e.g. the runtime repository). */
export const testSettingsFile = (orchestrator: Record<string, unknown> = {}): string => JSON.stringify({ version: 1, orchestrator: { parentPolicy: TEST_PARENT_POLICY, ...orchestrator } });

export function testSettings(dataDir: string, over: Partial<OrchestratorSettingsInput> = {}): OrchestratorSettingsInput {
  return {
    dataDir,
    parentPolicy: TEST_PARENT_POLICY,
    runtimeRepo: STANDIN_REPO,
    internalPool: internalPoolFor(workerSlot()),
    runtimeWaitMs: 30_000,
    ...over,
  };
}

/** A real orchestrator on the real engine with a fresh data dir, hence a fresh installation id. */
export async function openOrchestrator(over: Partial<OrchestratorSettingsInput> = {}, deps: Partial<OrchestratorDeps> = {}): Promise<OrchestratorFixture> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vplc-orch-'));
  const settings = testSettings(dataDir, over);
  const opened: Orchestrator[] = [];
  const open = async (extra: Partial<OrchestratorDeps> = {}): Promise<Orchestrator> => {
    const o = await Orchestrator.open({ settings, ...deps, ...extra });
    opened.push(o);
    return o;
  };
  const orch = await open();
  return {
    orch,
    dataDir,
    reopen: open,
    dispose: async () => {
      for (const o of opened) await o.close({ graceMs: 5_000 });
      await removeByLabels({ instance: orch.installationId });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
