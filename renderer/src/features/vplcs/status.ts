import { z } from 'zod';

/** The fields of `vplc:status` the UI shows; the record is open, so unknown fields are ignored, odd ones dropped. */
const NetworkView = z.object({ ip_address: z.string().nullable(), mac_address: z.string().nullable(), gateway: z.string().nullable() });
export const StatusView = z.object({
  status: z.string(),
  message: z.string().optional(),
  error: z.string().optional(),
  step: z.string().optional(),
  operation: z.string().optional(),
  container_status: z.string().optional(),
  is_running: z.boolean().optional(),
  networks: z.record(z.string(), NetworkView).optional().catch(undefined),
  restart_count: z.number().optional(),
  internal_ip: z.string().optional(),
  uptime_seconds: z.number().optional(),
  exit_code: z.number().optional(),
  health_status: z.string().optional(),
  orchestrator_state: z
    .object({
      desired_state: z.string().optional(),
      restarts_in_window: z.number().optional(),
      restart_suspended: z.boolean().optional(),
      restarts_resume_at: z.string().optional(),
      warnings: z.array(z.string()).optional(),
      pending_changes: z.array(z.string()).optional(),
      last_error: z.unknown().optional(),
    })
    .optional()
    .catch(undefined),
});
export type StatusView = z.infer<typeof StatusView>;

export const CREATE_STEPS: Array<{ key: string; label: string }> = [
  { key: 'validating_config', label: 'Check the configuration' },
  { key: 'pulling_image', label: 'Get the runtime image' },
  { key: 'creating_networks', label: 'Create the networks' },
  { key: 'creating_container', label: 'Create and start the container' },
  { key: 'starting_dhcp', label: 'Obtain DHCP leases' },
  { key: 'waiting_for_runtime', label: 'Wait for the runtime to answer' },
];

export const lastErrorText = (e: unknown): string | null => {
  if (!e) return null;
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && 'error' in e) return String((e as { error: unknown }).error);
  return JSON.stringify(e);
};

/** A local time of day for an ISO instant (e.g. when suspended restarts resume); the ISO text when it does not parse. */
export const formatClock = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `at ${d.toLocaleTimeString()}`;
};
