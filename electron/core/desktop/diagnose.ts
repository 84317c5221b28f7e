import { serviceFiles } from '../../lib/lock/agent-lock.js';
import { viewAgent } from '../../lib/lock/state-report.js';

/** Why an attached app gets no answer from the service, from the service's lock and state report. */
export async function describeService(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const v = await viewAgent(serviceFiles(env));
  if (v.running) return `the service runs${v.pid ? ` (pid ${v.pid})` : ''}, but this app lost its connection to it; restart the app`;
  return v.why ? `the service is not running: ${v.why}` : 'the service is not running';
}
