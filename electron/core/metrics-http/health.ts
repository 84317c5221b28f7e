import type { CloudState } from '../../../shared/domain/link.js';

/** What /health looks at, as read by the collector. */
export type HealthInputs = {
  workers: Array<{ name: string; state: string }>;
  /** The orchestrator worker answered agent.info. */
  orchestratorAnswers: boolean;
  /** The Docker engine answered a container list through the orchestrator. */
  dockerAnswers: boolean;
  /** Host warnings with their fix (e.g. live-restore off). */
  warnings: string[];
  cloud: CloudState;
  certDaysLeft: number | null;
};

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info';
export type Health = { status: 'ok' | 'degraded' | 'down'; checks: Record<string, { status: CheckStatus; detail: string }> };

/**
 * down: the orchestrator worker or the Docker engine does not answer (nothing can manage the vPLCs); degraded: another
 * worker not running, host warnings (e.g. live-restore off), a certificate expired or expiring within 7 days. The cloud
 * link is reported but never changes the status: a plant network without the cloud is a normal state.
 */
export function evaluateHealth(i: HealthInputs): Health {
  const checks: Health['checks'] = {};
  for (const w of i.workers) checks[`worker:${w.name}`] = { status: w.state === 'running' ? 'ok' : w.name === 'orchestrator' ? 'fail' : 'warn', detail: w.state };
  checks['orchestrator'] = i.orchestratorAnswers ? { status: 'ok', detail: 'answering' } : { status: 'fail', detail: 'the orchestrator worker does not answer' };
  checks['docker'] = i.dockerAnswers ? { status: 'ok', detail: 'answering' } : { status: 'fail', detail: 'the Docker engine does not answer' };
  i.warnings.forEach((w, n) => (checks[`warning:${n + 1}`] = { status: 'warn', detail: w }));
  checks['cloud'] = { status: 'info', detail: i.cloud };
  if (i.certDaysLeft !== null) {
    const days = Math.floor(i.certDaysLeft);
    checks['certificate'] = i.certDaysLeft <= 0 ? { status: 'warn', detail: 'the client certificate has expired' } : i.certDaysLeft <= 7 ? { status: 'warn', detail: `the client certificate expires in ${days} days` } : { status: 'ok', detail: `${days} days left` };
  }
  const down = !i.orchestratorAnswers || !i.dockerAnswers || i.workers.some((w) => w.name === 'orchestrator' && w.state !== 'running');
  const degraded = Object.values(checks).some((c) => c.status === 'warn' || c.status === 'fail');
  return { status: down ? 'down' : degraded ? 'degraded' : 'ok', checks };
}
