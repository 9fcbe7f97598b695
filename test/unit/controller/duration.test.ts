import { describe, expect, it } from 'vitest';
import {
  DURATION_PATTERN,
  DurationError,
  formatDuration,
  parseDuration,
} from '../../../controller/duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2h0m10s', 7_210_000],
    ['1m500ms', 60_500],
    ['24h', 86_400_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(new RegExp(DURATION_PATTERN).test(text)).toBe(true);
  });

  it.each(['', '10', '-5s', '1d', '5 m', 's', '1h 30m', '1.s', 'PT5M', '10mss'])(
    'rejects %j',
    (text) => {
      expect(() => parseDuration(text)).toThrow(DurationError);
      expect(new RegExp(DURATION_PATTERN).test(text)).toBe(false);
    },
  );

  it('quotes the input in the error', () => {
    expect(() => parseDuration('ten minutes')).toThrow('invalid duration "ten minutes"');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [1_500, '1.5s'],
    [60_000, '1m0s'],
    [5_400_000, '1h30m0s'],
    [90_500, '1m30.5s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
