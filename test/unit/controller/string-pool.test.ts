import { describe, expect, it } from 'vitest';
import { StringPool } from '../../../controller/informer/store.js';

describe('StringPool', () => {
  it('replaces string values in place, equal values kept, nested arrays and objects included', () => {
    const pool = new StringPool();
    const parsed = JSON.parse(
      '{"a":"Ready","b":["Ready","x"],"c":{"d":"Ready","n":1,"t":true,"z":null}}',
    ) as unknown;
    const before = structuredClone(parsed);
    expect(pool.internAll(parsed)).toBe(parsed);
    expect(parsed).toStrictEqual(before);
    expect(pool.size).toBe(2); // "Ready" once, "x"
  });

  it('leaves frozen objects and long strings alone', () => {
    const pool = new StringPool({ maxLength: 4 });
    const frozen = Object.freeze({ a: 'abc' });
    pool.internAll(frozen);
    expect(pool.size).toBe(0);
    expect(pool.intern('abcde')).toBe('abcde');
    expect(pool.size).toBe(0);
  });

  it('stays bounded: starts afresh when full', () => {
    const pool = new StringPool({ maxEntries: 3 });
    for (const s of ['a', 'b', 'c']) pool.intern(s);
    expect(pool.size).toBe(3);
    pool.intern('a'); // known: no growth
    expect(pool.size).toBe(3);
    expect(pool.intern('d')).toBe('d');
    expect(pool.size).toBe(1);
  });
});
