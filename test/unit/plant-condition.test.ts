import { evaluateCondition, parseCondition, conditionTags, ConditionError } from '../../nodes/lib/plant/condition';
import { parseDuration, formatDuration } from '../../nodes/lib/plant/duration';

const values: Record<string, number | boolean | string> = { 'P-101.RUN': false, 'TT-201': 90, MODE: 'AUTO', 'FIC-101.SP': 10 };
const look = (t: string) => values[t];

describe('condition language', () => {
  test.each([
    ['P-101.RUN == false', true],
    ['P-101.RUN == true', false],
    ['not P-101.RUN', true],
    ['!P-101.RUN', true],
    ['TT-201 > 85', true],
    ['TT-201 >= 90 and FIC-101.SP < 10', false],
    ['TT-201 >= 90 && FIC-101.SP <= 10', true],
    ['TT-201 < 0 or (MODE == AUTO and not P-101.RUN)', true],
    ['MODE != "MANUAL"', true],
    ["MODE == 'AUTO'", true],
    ['TT-201 > -5', true],
  ])('%s -> %s', (src, expected) => {
    expect(evaluateCondition(parseCondition(src), look)).toBe(expected);
  });

  test('unknown values propagate as undefined, but and/or short-circuit on known answers', () => {
    expect(evaluateCondition(parseCondition('GHOST > 1'), look)).toBeUndefined();
    expect(evaluateCondition(parseCondition('GHOST > 1 and TT-201 < 0'), look)).toBe(false);
    expect(evaluateCondition(parseCondition('GHOST > 1 or TT-201 > 0'), look)).toBe(true);
    expect(evaluateCondition(parseCondition('not GHOST'), look)).toBeUndefined();
  });

  test('booleans read as numbers from a PLC compare with true/false', () => {
    expect(evaluateCondition(parseCondition('RUN == false'), () => 0)).toBe(true);
    expect(evaluateCondition(parseCondition('RUN == true'), () => 1)).toBe(true);
  });

  test.each(['', 'TT-201 >', 'TT-201 ==== 3', '(TT-201 > 3', 'TT-201 > 3)', 'TT-201 > "open', 'process.exit()', 'a > 1 b'])(
    'rejects malformed %j with a ConditionError',
    (src) => {
      expect(() => parseCondition(src)).toThrow(ConditionError);
    },
  );

  test('lists the tags a condition reads', () => {
    expect([...conditionTags(parseCondition('A > 1 or (B == true and not C)'))].sort()).toEqual(['A', 'B', 'C']);
  });
});

describe('durations', () => {
  test.each([
    ['500ms', 500],
    ['2s', 2000],
    ['5m', 300000],
    ['5 min', 300000],
    ['1h', 3600000],
    ['30 sec', 30000],
    [3, 3000],
    ['1.5s', 1500],
  ])('%j = %d ms', (v, ms) => expect(parseDuration(v)).toBe(ms));
  test.each(['soon', '5 parsecs', '-1s', ''])('%j is not a duration', (v) => expect(parseDuration(v)).toBeUndefined());
  test('formats back', () => {
    expect([formatDuration(300000), formatDuration(2000), formatDuration(7200000), formatDuration(250)]).toEqual(['5m', '2s', '2h', '250ms']);
  });
});
