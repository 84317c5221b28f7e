import { afterEach, describe, expect, it, vi } from 'vitest';
import { RuntimeAnswers } from '../../../../../../electron/workers/orchestrator/status/runtime-answers.js';

const clock = { now: () => Date.parse('2026-12-05T01:00:00.000Z'), monotonic: () => 0 };
const ipOf = (name: string): string => `198.19.16.${name.charCodeAt(0) % 200}`;
const targets = (...names: string[]) => (): Promise<Array<{ name: string; ip: string }>> => Promise.resolve(names.map((name) => ({ name, ip: ipOf(name) })));

describe('RuntimeAnswers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('records each result of a wrapped probe, and a probe that throws as not answering', async () => {
    const a = new RuntimeAnswers(clock);
    expect(a.get('p')).toBeNull();
    let answer: boolean | Error = true;
    const probe = a.wrap(() => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)));
    expect(await probe('p', '198.19.16.2')).toBe(true);
    expect(a.get('p')).toEqual({ answered: true, at: '2026-12-05T01:00:00.000Z' });
    answer = false;
    await probe('p', '198.19.16.2');
    expect(a.get('p')?.answered).toBe(false);
    answer = new Error('ECONNREFUSED');
    expect(await probe('p', '198.19.16.2')).toBe(false);
    expect(a.get('p')?.answered).toBe(false);
    a.forget('p');
    expect(a.get('p')).toBeNull();
  });

  it('probes every target back to back at start and records the results; a failing target list records nothing', async () => {
    vi.useFakeTimers();
    const a = new RuntimeAnswers(clock);
    const asked: string[] = [];
    a.start(60_000, targets('up', 'down'), (name, ip) => (asked.push(`${name}@${ip}`), Promise.resolve(name === 'up')), ipOf);
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual([`up@${ipOf('up')}`, `down@${ipOf('down')}`]);
    expect([a.get('up')?.answered, a.get('down')?.answered]).toEqual([true, false]);
    await a.stop();

    const b = new RuntimeAnswers(clock);
    b.start(60_000, () => Promise.reject(new Error('engine down')), () => Promise.resolve(true), ipOf);
    await vi.advanceTimersByTimeAsync(0);
    await b.stop();
    expect(b.get('up')).toBeNull();
  });

  it('spreads the probes of a later cycle evenly over the period, one per wake-up', async () => {
    vi.useFakeTimers();
    const a = new RuntimeAnswers(clock);
    const at: Array<[string, number]> = [];
    let t = 0;
    a.start(60_000, targets('a', 'b', 'c', 'd'), (name) => (at.push([name, t]), Promise.resolve(true)), ipOf);
    for (; t <= 120_000; t += 5_000) await vi.advanceTimersByTimeAsync(t === 0 ? 0 : 5_000);
    await a.stop();
    expect(at).toEqual([
      ['a', 0], ['b', 0], ['c', 0], ['d', 0],
      ['a', 60_000], ['b', 75_000], ['c', 90_000], ['d', 105_000],
      ['a', 120_000],
    ]);
  });

  it('asks right before each probe whether the target is still to be probed, and where', async () => {
    vi.useFakeTimers();
    const a = new RuntimeAnswers(clock);
    const asked: string[] = [];
    const busy = new Set(['b']);
    a.start(60_000, targets('a', 'b'), (name, ip) => (asked.push(`${name}@${ip}`), Promise.resolve(true)), (name) => (busy.has(name) ? undefined : `10.0.0.${name === 'a' ? 1 : 2}`));
    await vi.advanceTimersByTimeAsync(0);
    busy.delete('b');
    busy.add('a');
    await vi.advanceTimersByTimeAsync(90_000);
    await a.stop();
    expect(asked).toEqual(['a@10.0.0.1', 'b@10.0.0.2']);
    expect(a.get('b')?.answered).toBe(true);
  });

  it('leaves out a runtime that answered elsewhere since the previous cycle began, and probes it the cycle after', async () => {
    vi.useFakeTimers();
    const a = new RuntimeAnswers(clock);
    const cycles: string[][] = [];
    let current: string[] = [];
    const endCycle = async (ms: number): Promise<void> => {
      await vi.advanceTimersByTimeAsync(ms);
      cycles.push(current);
      current = [];
    };
    // Each cycle's probes are spread over its 60 s; a window ending 1 ms before the next cycle holds one whole cycle.
    a.start(60_000, targets('a', 'b'), (name) => (current.push(name), Promise.resolve(true)), ipOf);
    await endCycle(59_999);
    // A start wait's probe (wrapped) answered for a; a PLC poll answered for b, then b's runtime failed a later wait.
    await a.wrap(() => Promise.resolve(true))('a', '1');
    a.record('b', true);
    a.record('b', false);
    await endCycle(60_000);
    await endCycle(60_000);
    // Both answered PLC polls, then a later poll of b failed: only a is left out.
    a.record('a', true);
    a.record('b', true);
    a.doubt('b');
    await endCycle(60_000);
    await a.stop();
    // The doubt about b (whose fact said it answers) probed it at once, besides its place in the next cycle.
    expect(cycles).toEqual([['a', 'b'], ['b'], ['a', 'b'], ['b', 'b']]);
    expect(a.get('a')?.answered).toBe(true);
  });

  it('never leaves a runtime out after its own answer in a cycle', async () => {
    vi.useFakeTimers();
    const a = new RuntimeAnswers(clock);
    let probes = 0;
    a.start(60_000, targets('a'), () => (probes++, Promise.resolve(true)), ipOf);
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    await a.stop();
    expect(probes).toBe(4);
  });

  it('probes a doubted runtime at once only while its fact says it answers, once per doubt pending', async () => {
    vi.useFakeTimers();
    const a = new RuntimeAnswers(clock);
    const asked: string[] = [];
    let answers = true;
    a.doubt('a'); // not started: nothing to probe with
    a.start(300_000, targets('a'), (name) => (asked.push(name), Promise.resolve(answers)), ipOf);
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual(['a']);
    answers = false;
    a.doubt('a');
    a.doubt('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual(['a', 'a']);
    expect(a.get('a')?.answered).toBe(false);
    // The fact already says it does not answer: further failed polls wait for the cycle.
    a.doubt('a');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(asked).toEqual(['a', 'a']);
    await a.stop();
    a.record('a', true);
    a.doubt('a'); // stopped: no probe
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual(['a', 'a']);
  });

  it('stops between spread probes without waiting out the period', async () => {
    vi.useFakeTimers();
    const a = new RuntimeAnswers(clock);
    let probes = 0;
    a.start(300_000, targets('a', 'b', 'c'), () => (probes++, Promise.resolve(true)), ipOf);
    await vi.advanceTimersByTimeAsync(400_000);
    expect(probes).toBe(5);
    await a.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(probes).toBe(5);
  });
});
