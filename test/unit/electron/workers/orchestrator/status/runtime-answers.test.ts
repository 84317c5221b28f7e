import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DOUBT_MIN_AGE_MS, RuntimeAnswers } from '../../../../../../electron/workers/orchestrator/status/runtime-answers.js';

/** Wall and monotonic time from the faked Date, so the scheduler's ages follow the fake timers. */
const clock = { now: () => Date.now(), monotonic: () => Date.now() };
const ipOf = (name: string): string => `198.19.16.${name.charCodeAt(0) % 200}`;
const targets = (...names: string[]) => (): Promise<Array<{ name: string; ip: string }>> => Promise.resolve(names.map((name) => ({ name, ip: ipOf(name) })));

/** Starts `a` and records each probe as [name, seconds since start]. */
function probing(a: RuntimeAnswers, periodMs: number, list: () => Promise<Array<{ name: string; ip: string }>>, answers: (name: string) => boolean = () => true, current: (name: string) => string | undefined = ipOf) {
  const t0 = Date.now();
  const at: Array<[string, number]> = [];
  a.start(periodMs, list, (name) => (at.push([name, (Date.now() - t0) / 1000]), Promise.resolve(answers(name))), current);
  return at;
}

describe('RuntimeAnswers', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-12-05T01:00:00.000Z') });
  });
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

  it('probes every target back to back at start, each name once; a failed list is asked again at the next step', async () => {
    const a = new RuntimeAnswers(clock);
    const at = probing(a, 60_000, targets('up', 'down', 'up'), (n) => n === 'up');
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toEqual([['up', 0], ['down', 0]]);
    expect([a.get('up')?.answered, a.get('down')?.answered]).toEqual([true, false]);
    await a.stop();

    const b = new RuntimeAnswers(clock);
    let lists = 0;
    const flaky = (): Promise<Array<{ name: string; ip: string }>> => (++lists === 1 ? Promise.reject(new Error('engine down')) : targets('x')());
    const bAt = probing(b, 300_000, flaky);
    await vi.advanceTimersByTimeAsync(0);
    expect(bAt).toEqual([]);
    await vi.advanceTimersByTimeAsync(30_000);
    await b.stop();
    expect(bAt).toEqual([['x', 30]]);
  });

  it('then wakes once per period / runtimes and probes the oldest due fact: each runtime about once a period, one per wake-up', async () => {
    const a = new RuntimeAnswers(clock);
    const at = probing(a, 60_000, targets('a', 'b', 'c', 'd'));
    await vi.advanceTimersByTimeAsync(180_000);
    await a.stop();
    expect(at.slice(0, 4)).toEqual([['a', 0], ['b', 0], ['c', 0], ['d', 0]]);
    // All four facts are due a period after the first pass; they take turns 15 s apart, and keep that spread.
    expect(at.slice(4)).toEqual([
      ['a', 60], ['b', 75], ['c', 90], ['d', 105],
      ['a', 120], ['b', 135], ['c', 150], ['d', 165],
      ['a', 180],
    ]);
  });

  it('leaves alone a runtime whose fact something else keeps young (PLC polls), and probes it once they stop', async () => {
    const a = new RuntimeAnswers(clock);
    const at = probing(a, 60_000, targets('polled', 'quiet'));
    await vi.advanceTimersByTimeAsync(0);
    for (let t = 0; t < 120_000; t += 5_000) {
      a.record('polled', true);
      await vi.advanceTimersByTimeAsync(5_000);
    }
    expect(at.filter(([n]) => n === 'polled')).toEqual([['polled', 0]]);
    expect(at.filter(([n]) => n === 'quiet').length).toBe(3);
    await vi.advanceTimersByTimeAsync(60_000);
    await a.stop();
    expect(at.filter(([n]) => n === 'polled').map(([, s]) => s)).toEqual([0, 180]);
  });

  it('asks right before each probe whether the target is still to be probed, and where; one skipped stays due', async () => {
    const a = new RuntimeAnswers(clock);
    const busy = new Set(['b']);
    const asked: string[] = [];
    a.start(60_000, targets('a', 'b'), (name, ip) => (asked.push(`${name}@${ip}`), Promise.resolve(true)), (name) => (busy.has(name) ? undefined : `10.0.0.${name === 'a' ? 1 : 2}`));
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual(['a@10.0.0.1']);
    busy.delete('b');
    await vi.advanceTimersByTimeAsync(30_000);
    await a.stop();
    expect(asked).toEqual(['a@10.0.0.1', 'b@10.0.0.2']);
  });

  it('checks a silent runtime again after a minute even when the period is longer', async () => {
    const a = new RuntimeAnswers(clock);
    let up = false;
    const at = probing(a, 300_000, targets('late'), () => up);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.get('late')?.answered).toBe(false);
    up = true;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(at).toEqual([['late', 0], ['late', 60]]);
    expect(a.get('late')?.answered).toBe(true);
    // Answering again: due again 5 minutes later.
    await vi.advanceTimersByTimeAsync(300_000);
    await a.stop();
    expect(at.map(([, s]) => s)).toEqual([0, 60, 360]);
  });

  it('probes at once a doubted runtime whose fact says it answers and is old enough; never storms', async () => {
    const a = new RuntimeAnswers(clock);
    let answers = true;
    const at = probing(a, 300_000, targets('a'), () => answers);
    a.doubt('a'); // no fact yet: nothing to doubt
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toEqual([['a', 0]]);
    // A fact younger than DOUBT_MIN_AGE_MS: not at once, but due at the next step (30 s).
    a.doubt('a');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(at).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(at).toEqual([['a', 0], ['a', 30]]);
    // Old enough: at once, once for doubts that pile up meanwhile.
    await vi.advanceTimersByTimeAsync(DOUBT_MIN_AGE_MS);
    answers = false;
    a.doubt('a');
    a.doubt('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toEqual([['a', 0], ['a', 30], ['a', 60]]);
    expect(a.get('a')?.answered).toBe(false);
    // The fact now says it does not answer: doubts add nothing; the silent re-check comes a minute later.
    for (let i = 0; i < 10; i++) {
      a.doubt('a');
      await vi.advanceTimersByTimeAsync(5_000);
    }
    expect(at).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(at).toEqual([['a', 0], ['a', 30], ['a', 60], ['a', 120]]);
    await a.stop();
    a.record('a', true);
    await vi.advanceTimersByTimeAsync(DOUBT_MIN_AGE_MS);
    a.doubt('a'); // stopped: no probe
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toHaveLength(4);
  });

  it('starts no probe after stop, does not wait out a pause or a hung list, and can start again', async () => {
    const a = new RuntimeAnswers(clock);
    let release: () => void = () => undefined;
    let probes = 0;
    const slow = (): Promise<boolean> => (probes++, new Promise<boolean>((r) => (release = () => r(true))));
    a.start(300_000, targets('a', 'b', 'c'), slow, ipOf);
    await vi.advanceTimersByTimeAsync(0);
    expect(probes).toBe(1);
    const stopped = a.stop();
    release();
    await stopped;
    await vi.advanceTimersByTimeAsync(600_000);
    expect(probes).toBe(1);

    const b = new RuntimeAnswers(clock);
    b.start(300_000, () => new Promise(() => undefined), () => Promise.resolve(true), ipOf);
    await vi.advanceTimersByTimeAsync(0);
    await b.stop();

    const at = probing(a, 300_000, targets('a'));
    await vi.advanceTimersByTimeAsync(0);
    await a.stop();
    expect(at).toEqual([['a', 0]]);
  });
});
