// A `kill` event nobody in the agent asked for (the first sign of a daemon shutdown) puts restarts on hold, also while
// the recovery after an earlier outage runs: its end polls for stopped vPLCs, and without the hold that poll restarted
// vPLCs the engine was stopping on its way down. The agent's own stop of a vPLC, and a vPLC that should not run, do not.
import type { PassThrough } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { Label } from '../../../../../../electron/workers/orchestrator/docker/labels.js';
import { Watchdog } from '../../../../../../electron/workers/orchestrator/lifecycle/watchdog.js';
import { waitFor } from '../../../../../support/run.js';
import { eventStreamContext, upHealth, watchdogDeps } from '../../../../../support/watchdog-fakes.js';

const dogs: Watchdog[] = [];
afterEach(() => {
  for (const d of dogs.splice(0)) d.stop();
});

const idOf = (name: string): string => Buffer.from(name).toString('hex').padEnd(64, '0');
const kill = (name: string): string => `${JSON.stringify({ Type: 'container', Action: 'kill', Actor: { ID: idOf(name), Attributes: { [Label.vplc]: name, signal: '15' } } })}\n`;

it('suspects the engine for a stop nobody asked for, during a recovery too, and not for the agent’s own stops', async () => {
  const { ctx, streams } = eventStreamContext({ resubscribeMs: 60_000, pollMs: 60_000, delayMs: 60_000 });
  const suspected: string[] = [];
  const health = upHealth(suspected);
  const dog = new Watchdog(
    watchdogDeps(ctx, health, {
      isBusy: () => true,
      // A recovery after an outage runs: automatic starts are its own business.
      mayRun: () => false,
      shouldRun: (name) => name !== 'stopped-by-user',
      stoppedByAgent: (name, id) => name === 'restarted-by-agent' && id === idOf(name),
    }),
  );
  dogs.push(dog);
  dog.start();
  await waitFor(() => streams.length, (n) => n === 1, { timeoutMs: 2_000, intervalMs: 5, what: 'the subscription' });
  const stream = streams[0] as PassThrough;
  stream.write(kill('restarted-by-agent'));
  stream.write(kill('stopped-by-user'));
  stream.write(kill('going-down'));
  await waitFor(() => suspected.length, (n) => n > 0, { timeoutMs: 2_000, intervalMs: 5, what: 'a suspicion' });
  // The events are handled in order: the first two would have been seen by now.
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(suspected).toEqual(['vPLC going-down was stopped outside the agent']);
});
