import { CreateStep } from '../../../../shared/domain/operations';
import type { VplcStatus } from '../../../../shared/domain/vplc-status';

/**
 * What the UI calls each create step. The host-NIC steps (docs/host-nics.md) are labelled ahead of the agent listing
 * them as create steps; a step is shown only once `CreateStep` has it.
 */
const STEP_LABELS: Record<CreateStep, string> & Partial<Record<'configuring_wifi_vnics' | 'moving_dedicated_nic', string>> = {
  validating_config: 'Check the configuration',
  pulling_image: 'Get the runtime image',
  creating_networks: 'Create the networks',
  creating_container: 'Create and start the container',
  starting_dhcp: 'Obtain DHCP leases',
  configuring_wifi_vnics: 'Route the WiFi vNICs (proxy ARP)',
  moving_dedicated_nic: 'Move the dedicated port into the vPLC',
  waiting_for_runtime: 'Wait for the runtime to answer',
};

/** The create steps in the order the agent runs them. */
export const CREATE_STEPS = CreateStep.options.map((key) => ({ key, label: STEP_LABELS[key] }));

type LastError = NonNullable<VplcStatus['orchestrator_state']>['last_error'];

export const lastErrorText = (e: LastError | undefined): string | null => e?.error ?? null;

/** A local time of day for an ISO instant (e.g. when suspended restarts resume); the ISO text when it does not parse. */
export const formatClock = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `at ${d.toLocaleTimeString()}`;
};

/** Our word for a container state: `stopped` for what Docker calls `exited` or `created`. */
export const stateWord = (dockerState: string): string => (dockerState === 'exited' || dockerState === 'created' ? 'stopped' : dockerState);

type Summary = { state: string; operation: string | null; restart_suspended: boolean; health?: string | undefined };

/** What a vPLC's badge says: the agent's derived health; from an agent without it, the operation or our word for the state. */
export const summaryWord = (v: Summary): string => v.health ?? v.operation ?? (v.restart_suspended ? 'suspended' : stateWord(v.state));

/** The time of day of the agent's naive local timestamp (`2026-12-05T01:02:03.123000`); the text when it does not parse. */
export const localClock = (naive: string): string => {
  const d = new Date(naive.slice(0, 23));
  return Number.isNaN(d.getTime()) ? naive : d.toLocaleTimeString();
};
