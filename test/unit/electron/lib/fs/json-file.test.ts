import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkUntrustedJson } from '../../../../../electron/lib/fs/json-file.js';

const Schema = z
  .object({
    name: z.string().min(1),
    tags: z.record(z.string(), z.number().int()).optional(),
    items: z.array(z.object({ size: z.number().positive() })).default([]),
    either: z.union([z.object({ a: z.number() }), z.object({ b: z.number() })]).optional(),
    pair: z.tuple([z.number(), z.number()]).optional(),
  })
  .strict();

const reason = (value: unknown): string => {
  const r = checkUntrustedJson(typeof value === 'string' ? value : JSON.stringify(value), Schema);
  if (r.ok) throw new Error('expected a refusal');
  return r.reason;
};

describe('checkUntrustedJson', () => {
  it('accepts what the schema accepts', () => {
    expect(checkUntrustedJson('{"name":"x","items":[{"size":1}]}', Schema)).toEqual({ ok: true, value: { name: 'x', items: [{ size: 1 }] } });
  });

  it('names the field by the schema\'s own keys and never quotes the text', () => {
    const reasons = [
      reason('SECRET-xyz'),
      reason('{"name":"SECRET'),
      reason({ name: 'x', tags: { 'SECRET-key': 'SECRET-value' } }),
      reason({ name: 'x', 'SECRET-extra': 1 }),
      reason({ name: 'x', items: [{ size: 1 }, { size: -1 }] }),
      reason({ name: 'x', either: { c: 'SECRET' } }),
      reason({ name: 7 }),
      reason({ name: 'x', pair: [1, 'SECRET'] }),
    ];
    expect(reasons).toEqual([
      'not JSON',
      'not JSON',
      'tags.*: Invalid input: expected number, received string',
      '(root): invalid value',
      'items.1.size: Too small: expected number to be >0',
      'either: Invalid input',
      'name: Invalid input: expected string, received number',
      // A schema the walk does not follow (here a tuple) ends the path.
      'pair.…: Invalid input: expected number, received string',
    ]);
    for (const r of reasons) expect(r).not.toMatch(/SECRET/);
  });
});
