import { afterEach, describe, expect, it, vi } from 'vitest';
import { RuntimeAnswers } from '../../../../../../electron/workers/orchestrator/status/runtime-answers.js';

const clock = { now: () => Date.parse('2026-12-05T01:00:00.000Z'), monotonic: () => 0 };

describe('RuntimeAnswers', () => {
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

  it('probes every target once at start and records the results; a failing target list records nothing', async () => {
    const a = new RuntimeAnswers(clock);
    const asked: string[] = [];
    a.start(60_000, () => Promise.resolve([{ name: 'up', ip: '1' }, { name: 'down', ip: '2' }]), (name) => (asked.push(name), Promise.resolve(name === 'up')));
    await a.stop();
    expect(asked).toEqual(['up', 'down']);
    expect([a.get('up')?.answered, a.get('down')?.answered]).toEqual([true, false]);

    const b = new RuntimeAnswers(clock);
    b.start(60_000, () => Promise.reject(new Error('engine down')), () => Promise.resolve(true));
    await b.stop();
    expect(b.get('up')).toBeNull();
  });

  describe('rounds', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('leave out a runtime that answered elsewhere since the previous round began, and probe it the round after', async () => {
      vi.useFakeTimers();
      const a = new RuntimeAnswers(clock);
      const rounds: string[][] = [];
      let current: string[] = [];
      const endRound = async (ms: number): Promise<void> => {
        await vi.advanceTimersByTimeAsync(ms);
        rounds.push(current);
        current = [];
      };
      a.start(60_000, () => Promise.resolve([{ name: 'a', ip: '1' }, { name: 'b', ip: '2' }]), (name) => (current.push(name), Promise.resolve(true)));
      await endRound(0);
      // A start wait's probe (wrapped) answered for a; a PLC poll answered for b, then b's runtime failed a later wait.
      await a.wrap(() => Promise.resolve(true))('a', '1');
      a.record('b', true);
      a.record('b', false);
      await endRound(60_000);
      await endRound(60_000);
      // Both answered PLC polls, then a later poll of b failed: only a is left out.
      a.record('a', true);
      a.record('b', true);
      a.doubt('b');
      await endRound(60_000);
      await a.stop();
      expect(rounds).toEqual([['a', 'b'], ['b'], ['a', 'b'], ['b']]);
      expect(a.get('a')?.answered).toBe(true);
    });

    it('never leave a runtime out after its own answer in a round', async () => {
      vi.useFakeTimers();
      const a = new RuntimeAnswers(clock);
      let probes = 0;
      a.start(60_000, () => Promise.resolve([{ name: 'a', ip: '1' }]), () => (probes++, Promise.resolve(true)));
      await vi.advanceTimersByTimeAsync(3 * 60_000);
      await a.stop();
      expect(probes).toBe(4);
    });
  });
});
