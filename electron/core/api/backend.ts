import type { Output } from '../../../shared/api/contract.js';
import type { VplcSpec } from '../../../shared/domain/vplc.js';

/**
 * What the API handlers need from the agent. The headless agent binds it to its orchestrator; with supervised
 * workers it becomes worker requests. Handlers never see Docker, keys or the network directly.
 */
export interface AgentBackend {
  status(): Promise<Output<'agent:status'>>;
  listVplcs(): Promise<Output<'vplc:list'>>;
  createVplc(spec: VplcSpec): Promise<{ ok: true; operationId: string } | { ok: false; error: string }>;
  deleteVplc(name: string): Promise<{ ok: true } | { ok: false; error: string }>;
  control(action: 'start' | 'stop' | 'restart', name: string): Promise<Output<'vplc:start'>>;
  vplcStatus(name: string): Promise<Record<string, unknown>>;
  applyChanges(name: string): Promise<{ ok: true; message: string } | { ok: false; error: string }>;
  reconcileStatus(): Promise<Output<'reconcile:status'>>;
  liveRestore(): Promise<Output<'engine:live-restore'>>;
  enableLiveRestore(): Promise<Output<'engine:enable-live-restore'>>;
  interfaces(): Promise<Output<'netmon:interfaces'>>;
  history(target: 'host' | string, seconds: number): Promise<Output<'metrics:history'>>;
  vplcLogs(name: string, tail: number): Promise<string[]>;
  /** Stops or starts the agent's workers; vPLCs keep running either way. */
  stopAgent(): Promise<void>;
  startAgent(): Promise<void>;
}
