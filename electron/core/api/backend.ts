import type { Output } from '../../../shared/api/contract.js';
import type { RefusalCode } from '../../../shared/api/errors.js';
import type { VplcSpec } from '../../../shared/domain/vplc.js';

/** A request the orchestrator refused: its words, and the typed code (and field) the API error carries. */
export type Refused = { ok: false; error: string; code?: RefusalCode; field?: string };

/**
 * What the API handlers need from the agent. The headless agent binds it to its orchestrator; with supervised
 * workers it becomes worker requests. Handlers never see Docker, keys or the network directly.
 */
export interface AgentBackend {
  status(): Promise<Output<'agent:status'>>;
  listVplcs(): Promise<Output<'vplc:list'>>;
  createVplc(spec: VplcSpec): Promise<{ ok: true; operationId: string } | Refused>;
  deleteVplc(name: string): Promise<{ ok: true } | Refused>;
  control(action: 'start' | 'stop' | 'restart', name: string): Promise<Output<'vplc:start'>>;
  vplcStatus(name: string): Promise<Output<'vplc:status'>>;
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
