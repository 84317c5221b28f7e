import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../../../../electron/lib/events/typed-emitter.js';

type Events = { change: [name: string, up: boolean]; sample: [number] };

describe('TypedEmitter', () => {
  it('calls the listeners of an event with its arguments, in registration order', () => {
    const e = new TypedEmitter<Events>();
    const heard: string[] = [];
    e.on('change', (n, up) => heard.push(`a:${n}:${up}`));
    e.on('change', (n) => heard.push(`b:${n}`));
    e.on('sample', (v) => heard.push(`s:${v}`));
    e.emit('change', 'eth0', true);
    expect(heard).toEqual(['a:eth0:true', 'b:eth0']);
  });

  it('unsubscribes with the function on() returns, or with off()', () => {
    const e = new TypedEmitter<Events>();
    const heard: number[] = [];
    const a = (v: number): void => void heard.push(v);
    const b = (v: number): void => void heard.push(v * 10);
    const offA = e.on('sample', a);
    e.on('sample', b);
    offA();
    offA();
    e.emit('sample', 1);
    e.off('sample', b);
    e.emit('sample', 2);
    expect(heard).toEqual([10]);
    expect(e.listenerCount('sample')).toBe(0);
  });

  it('reports a listener that throws and still calls the others', () => {
    const errors: Array<[string, string]> = [];
    const e = new TypedEmitter<Events>((err, event) => errors.push([event, (err as Error).message]));
    const heard: number[] = [];
    e.on('sample', () => {
      throw new Error('broken consumer');
    });
    e.on('sample', (v) => heard.push(v));
    expect(() => e.emit('sample', 7)).not.toThrow();
    expect(heard).toEqual([7]);
    expect(errors).toEqual([['sample', 'broken consumer']]);
  });

  it('calls the listeners registered when emit started', () => {
    const e = new TypedEmitter<Events>();
    const heard: string[] = [];
    e.on('sample', (v) => {
      heard.push(`first:${v}`);
      e.on('sample', (w) => heard.push(`late:${w}`));
    });
    e.emit('sample', 1);
    expect(heard).toEqual(['first:1']);
    e.clear();
    e.emit('sample', 2);
    expect(heard).toEqual(['first:1']);
  });

  it('calls a listener registered twice once', () => {
    const e = new TypedEmitter<Events>();
    let n = 0;
    const l = (): void => void (n += 1);
    e.on('sample', l);
    e.on('sample', l);
    e.emit('sample', 1);
    expect(n).toBe(1);
  });
});
