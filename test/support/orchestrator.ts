import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Orchestrator, type OrchestratorDeps } from '../../electron/workers/orchestrator/orchestrator.js';
import type { OrchestratorSettingsInput } from '../../electron/workers/orchestrator/settings.js';
import { NETHELPER_IMAGE, removeByLabels, STANDIN_REPO } from './docker.js';
import { internalPoolFor, workerSlot } from './run.js';

export type OrchestratorFixture = {
  orch: Orchestrator;
  dataDir: string;
  /** Opens a second agent on the same data dir (an agent restart). */
  reopen(extra?: Partial<OrchestratorDeps>): Promise<Orchestrator>;
  dispose(): Promise<void>;
};

export function testSettings(dataDir: string, over: Partial<OrchestratorSettingsInput> = {}): OrchestratorSettingsInput {
  return {
    dataDir,
    runtimeRepo: STANDIN_REPO,
    helperImage: NETHELPER_IMAGE,
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
