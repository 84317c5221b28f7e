import type { ApiClient } from '../../electron/core/api/ws-client.js';
import { waitFor } from './run.js';

/**
 * The agent's installation id, waited for: cleanup removes an agent's objects by it, and an empty id would leak the
 * test's containers (the orchestrator worker reports it once its store is loaded, a moment after the API is up).
 */
export async function installationIdOf(client: ApiClient): Promise<string> {
  const status = await waitFor(
    () => client.call('agent:status', {}) as Promise<{ ok: boolean; value?: { installationId?: string } }>,
    (r) => !!r.value?.installationId,
    { timeoutMs: 30_000, what: "the agent's installation id" },
  );
  return status.value?.installationId ?? '';
}
