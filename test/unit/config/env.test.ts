import { describe, expect, it } from 'vitest';
import { getNumberFromEnv } from '../../../lib/env';

describe('getNumberFromEnv, the one reader of numeric settings', () => {
  const read = (text: string | undefined, allowZero = false) =>
    getNumberFromEnv({ key: 'SETTING', defaultValue: 6, allowZero, env: { SETTING: text } });

  it('gives the default when unset or empty', () => {
    expect(read(undefined)).toBe(6);
    expect(read('')).toBe(6);
  });

  it('reads fractions', () => expect(read('0.25')).toBe(0.25));

  it.each(['abc', '-1', 'Infinity', 'NaN', '1e999', '0'])('refuses %j, naming the variable', (text) => {
    expect(() => read(text)).toThrow(/^Environment variable SETTING must be a number > 0/);
  });

  it('allows 0 where 0 turns a check off', () => {
    expect(read('0', true)).toBe(0);
    expect(() => read('-1', true)).toThrow(/≥ 0/);
  });
});
