import { z } from 'zod';

/** The cloud link's own state: no credentials yet, dialling, connected, waiting to retry, or closed for good. */
export const LinkState = z.enum(['not_enrolled', 'connecting', 'connected', 'waiting', 'closed']);
export type LinkState = z.infer<typeof LinkState>;

/** What the link worker reports on every state change. */
export const LinkStateReport = z.object({ state: LinkState, agentId: z.string().nullable() });
export type LinkStateReport = z.infer<typeof LinkStateReport>;

/** The one word for the cloud the agent status, the tray and `/health` show; `disabled` when no cloud is configured. */
export const CloudState = z.enum(['connected', 'connecting', 'offline', 'disabled']);
export type CloudState = z.infer<typeof CloudState>;

const CLOUD_STATE_OF: Record<LinkState, CloudState> = {
  connected: 'connected',
  connecting: 'connecting',
  waiting: 'connecting',
  not_enrolled: 'offline',
  closed: 'offline',
};

/** A link that waits to retry is still on its way; one without credentials or closed is offline. */
export const cloudStateOf = (s: LinkState): CloudState => CLOUD_STATE_OF[s];
