// The watchdog tells its owner when its Docker event stream opens again after it ended: events may have been missed
// meanwhile (the usage service then forgets every cached PID). The first subscription is not a resubscription.
import { afterEach, expect, it } from 'vitest';
import { Watchdog } from '../../../../../../electron/workers/orchestrator/lifecycle/watchdog.js';
import { waitFor } from '../../../../../support/run.js';
import { eventStreamContext, upHealth, watchdogDeps } from '../../../../../support/watchdog-fakes.js';

const dogs: Watchdog[] = [];
afterEach(() => {
  for (const d of dogs.splice(0)) d.stop();
});

it('calls onResubscribe when the event stream opens again, not when it first opens', async () => {
  const { ctx, streams } = eventStreamContext({ resubscribeMs: 1, pollMs: 60_000, delayMs: 1 });
  const health = upHealth();
  let resubscribes = 0;
  const dog = new Watchdog(watchdogDeps(ctx, health, { onResubscribe: () => void (resubscribes += 1) }));
  dogs.push(dog);
  dog.start();
  await waitFor(() => streams.length, (n) => n === 1, { timeoutMs: 2_000, intervalMs: 5, what: 'the first subscription' });
  expect(resubscribes).toBe(0);
  streams[0]?.end();
  streams[0]?.resume();
  await waitFor(() => resubscribes, (n) => n === 1, { timeoutMs: 2_000, intervalMs: 5, what: 'onResubscribe' });
  expect(streams).toHaveLength(2);
});
