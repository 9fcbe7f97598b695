import { describe, expect, it } from 'vitest';
import {
  isKillSwitchActive,
  parseChangeNotice,
  percentToBasisPoints,
  InvalidFlagInputError,
  flagWriteProblems,
  MAX_UPDATED_BY_LENGTH,
} from '../../../flags/index.js';
import { parseFlagHash } from '../../../flags/codec.js';

describe('kill-switch values', () => {
  it.each([null, undefined, '', '0', 'false', 'FALSE', ' off ', 'no'])('%j is inactive', (v) => {
    expect(isKillSwitchActive(v)).toBe(false);
  });
  it.each(['1', 'true', 'on', 'yes', 'killed', 'TRUE'])('%j is active (fails closed)', (v) => {
    expect(isKillSwitchActive(v)).toBe(true);
  });
});

describe('parseFlagHash', () => {
  const hash = {
    enabled: '1',
    percentage: '2500',
    salt: 's1',
    version: '4',
    updatedAt: '2026-11-26T10:00:00Z',
    updatedBy: 'cli:ops',
    killSwitch: 'experimental',
  };

  it('reads a complete hash', () => {
    expect(parseFlagHash('nqo', hash, ['b', 'a'])).toEqual({
      ok: true,
      record: {
        name: 'nqo',
        enabled: true,
        basisPoints: 2500,
        salt: 's1',
        targets: ['a', 'b'],
        killSwitch: 'experimental',
        version: 4,
        updatedAt: '2026-11-26T10:00:00Z',
        updatedBy: 'cli:ops',
      },
    });
  });

  it('defaults a hand-written hash: salt = flag name, version 0, no kill switch', () => {
    const parsed = parseFlagHash('nqo', { enabled: '1', percentage: '100' }, []);
    expect(parsed).toMatchObject({
      ok: true,
      record: { salt: 'nqo', version: 0, killSwitch: null, updatedBy: '' },
    });
  });

  it.each([
    [{ ...hash, enabled: 'true' }, 'enabled'],
    [{ ...hash, percentage: '25' + '.5' }, 'percentage'],
    [{ ...hash, percentage: '10001' }, 'percentage'],
    [{ ...hash, percentage: '-1' }, 'percentage'],
    [{ ...hash, killSwitch: 'Bad Group' }, 'killSwitch'],
  ])('refuses to guess on %j (flag evaluates off)', (fields, field) => {
    const parsed = parseFlagHash('nqo', fields, []);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problem).toContain(field);
      expect(parsed.version).toBe(4);
    }
  });
});

describe('change notices', () => {
  it('parses flag and kill-switch notices', () => {
    expect(parseChangeNotice('{"op":"set","flag":"nqo","version":3}')).toEqual({
      op: 'set',
      flag: 'nqo',
      version: 3,
    });
    expect(parseChangeNotice('{"flag":"nqo","op":"delete","version":0}')).toMatchObject({
      op: 'delete',
    });
    expect(parseChangeNotice('{"op":"kill-switch","group":"experimental","active":true}')).toEqual({
      op: 'kill-switch',
      group: 'experimental',
      active: true,
    });
  });

  it.each(['not json', 'null', '{"op":"set","flag":"BAD","version":1}', '{"op":"rename"}'])(
    'returns undefined for %s (the evaluator then reloads everything)',
    (message) => {
      expect(parseChangeNotice(message)).toBeUndefined();
    },
  );
});

describe('percentToBasisPoints', () => {
  it.each([
    [0, 0],
    [0.01, 1],
    [5, 500],
    [33.33, 3333],
    [99.99, 9999],
    [100, 10_000],
  ])('%d %% → %d bp', (percent, bp) => {
    expect(percentToBasisPoints(percent)).toBe(bp);
  });
  it.each([-0.01, 100.01, 0.001, Number.NaN])('rejects %d', (percent) => {
    expect(() => percentToBasisPoints(percent)).toThrow(InvalidFlagInputError);
  });
});

describe('updatedBy limit', () => {
  it('fits the writer identity of any object Kubernetes accepts (63-char namespace, 253-char name)', () => {
    const identity = `controller:${'n'.repeat(63)}/${'a'.repeat(253)}`;
    const write = {
      enabled: true,
      basisPoints: 500,
      salt: 'nqo',
      targets: [],
      killSwitch: null,
      updatedBy: identity,
    };
    expect(flagWriteProblems(write)).toEqual([]);
    expect(
      flagWriteProblems({ ...write, updatedBy: 'x'.repeat(MAX_UPDATED_BY_LENGTH + 1) }),
    ).toEqual([`updatedBy must be 1..${MAX_UPDATED_BY_LENGTH} characters`]);
  });
});
