import type { z } from 'zod';
import { AgentStatus, CertView, VplcSummary } from '../../../shared/api/contract.js';
import type { Envelope } from '../../../shared/api/envelope.js';
import { cloudStateOf, LinkStateReport } from '../../../shared/domain/link.js';
import type { TrayCommand, TrayState } from './menu.js';

/** The part of an AgentConnection the tray needs (plain Node: tested against a real agent and against fakes). */
export type TrayAgentApi = {
  mode: TrayState['mode'];
  call(channel: string, raw: unknown): Promise<Envelope<unknown>>;
  onEvent(cb: (name: string, payload: unknown) => void): () => void;
};
export type FeedTimers = { setInterval(cb: () => void, ms: number): unknown; clearInterval(h: unknown): void; setTimeout(cb: () => void, ms: number): unknown; clearTimeout(h: unknown): void };

const POLL_MS = 10_000;
const SETTLE_MS = 300;

/** Worker health → the tray's one word for the agent. */
export function agentWord(status: z.output<typeof AgentStatus>): TrayState['agent'] {
  const states = status.workers.map((w) => w.state);
  if (states.length === 0 || states.every((s) => s === 'stopped')) return 'stopped';
  if (states.some((s) => s === 'starting')) return 'starting';
  if (states.some((s) => s === 'stopping')) return 'stopping';
  if (states.some((s) => s === 'backoff' || s === 'failed' || s === 'unresponsive')) return 'degraded';
  return 'running';
}

/**
 * Keeps the tray's state from the agent: events for what changes often (link state, vPLC changes), a slow poll for
 * what has no event (worker health, certificate days). Start/stop from the menu go through the same API as the window.
 *
 * INVARIANTS
 * - `render` gets a fresh object on every change; a failed read keeps the last known value instead of inventing one.
 * - A start/stop shows its transition at once and the real state after the agent answered.
 */
export class TrayFeed {
  private state: TrayState;
  private unsubscribe: (() => void) | undefined;
  private poll: unknown;
  private pending: unknown;

  constructor(
    private readonly api: TrayAgentApi,
    private readonly render: (s: TrayState) => void,
    private readonly onError: (message: string) => void,
    private readonly timers: FeedTimers = globalThis as unknown as FeedTimers,
    /** Says why the agent does not answer (the service's state report); called only when agent:status fails. */
    private readonly diagnose: () => Promise<string | null> = () => Promise.resolve(null),
  ) {
    this.state = { agent: 'starting', mode: api.mode, cloud: 'connecting', vplcs: { running: 0, degraded: 0, total: 0 }, certDaysLeft: null };
  }

  current(): TrayState {
    return this.state;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.api.onEvent((name, payload) => this.onEvent(name, payload));
    this.poll = this.timers.setInterval(() => void this.refresh(), POLL_MS);
    await this.refresh();
  }

  stop(): void {
    this.unsubscribe?.();
    this.timers.clearInterval(this.poll);
    this.timers.clearTimeout(this.pending);
  }

  async refresh(): Promise<void> {
    const [status, list, cert] = await Promise.all([this.api.call('agent:status', {}), this.api.call('vplc:list', {}), this.api.call('certs:info', {})]);
    const next: TrayState = { ...this.state };
    const s = status.ok ? AgentStatus.safeParse(status.value) : undefined;
    if (s?.success) {
      next.agent = agentWord(s.data);
      next.mode = this.api.mode;
      next.cloud = s.data.cloud;
      delete next.problem;
    } else if (!status.ok && status.error.code === 'UNAVAILABLE') {
      next.problem = (await this.diagnose().catch(() => null)) ?? status.error.message;
    }
    const l = list.ok ? VplcSummary.array().safeParse(list.value) : undefined;
    if (l?.success) next.vplcs = vplcCounts(l.data);
    const c = cert.ok ? CertView.nullable().safeParse(cert.value) : undefined;
    if (c?.success) next.certDaysLeft = c.data ? Math.floor(c.data.expiry.daysLeft) : null;
    this.publish(next);
  }

  async command(cmd: TrayCommand): Promise<void> {
    if (cmd !== 'start-agent' && cmd !== 'stop-agent') return;
    const starting = cmd === 'start-agent';
    this.publish({ ...this.state, agent: starting ? 'starting' : 'stopping' });
    const result = await this.api.call(starting ? 'agent:start' : 'agent:stop', starting ? {} : { confirm: true });
    if (!result.ok) this.onError(`${starting ? 'Starting' : 'Stopping'} the agent failed: ${result.error.message}`);
    await this.refresh();
  }

  private onEvent(name: string, payload: unknown): void {
    const link = name === 'link:state' ? LinkStateReport.safeParse(payload) : null;
    if (link && this.state.cloud !== 'disabled') {
      const cloud = link.success ? cloudStateOf(link.data.state) : 'offline';
      if (cloud !== this.state.cloud) this.publish({ ...this.state, cloud });
    } else if (name === 'vplc:changed') {
      // Several changes arrive together during a create or a re-attachment: one refresh for the burst.
      this.timers.clearTimeout(this.pending);
      this.pending = this.timers.setTimeout(() => void this.refresh(), SETTLE_MS);
    }
  }

  private publish(next: TrayState): void {
    this.state = next;
    this.render(next);
  }
}

/** Healthy and degraded vPLCs; an agent that does not report health counts a running container as running. */
export function vplcCounts(list: Array<{ running: boolean; health?: string | undefined }>): TrayState['vplcs'] {
  const healthOf = (v: { running: boolean; health?: string | undefined }): string => v.health ?? (v.running ? 'running' : 'stopped');
  return { running: list.filter((v) => healthOf(v) === 'running').length, degraded: list.filter((v) => healthOf(v) === 'degraded').length, total: list.length };
}
