import { describe, expect, it } from 'vitest';
import { dependencyCycle, dependencyOrder } from '../../../../../electron/workers/orchestrator/lifecycle/dependencies.js';

const graph = (g: Record<string, string[]>) => (n: string): string[] => g[n] ?? [];

describe('depends_on ordering', () => {
  it('puts dependencies first and ignores names outside the set', () => {
    const { order, cyclic } = dependencyOrder(['hmi', 'io', 'plc'], graph({ hmi: ['plc'], plc: ['io', 'elsewhere'] }));
    expect(order).toEqual(['io', 'plc', 'hmi']);
    expect(cyclic).toEqual([]);
  });

  it('places cycle members last and names them', () => {
    const { order, cyclic } = dependencyOrder(['a', 'b', 'c'], graph({ a: ['b'], b: ['a'] }));
    expect(order).toEqual(['c', 'a', 'b']);
    expect(cyclic).toEqual(['a', 'b']);
  });

  it('finds the cycle a new vPLC would close', () => {
    expect(dependencyCycle('x', ['y'], graph({ y: ['z'], z: ['x'] }))).toEqual(['x', 'y', 'z', 'x']);
    expect(dependencyCycle('x', ['y'], graph({ y: ['z'] }))).toBeNull();
    expect(dependencyCycle('x', [], graph({}))).toBeNull();
  });
});
