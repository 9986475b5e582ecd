import { numberSetting } from '../../nodes/lib/settings';

test.each([
  [undefined, 5],
  [null, 5],
  ['', 5],
  ['   ', 5],
  ['abc', 5],
  [{}, 5],
  ['7', 7],
  [' 7 ', 7],
  [7, 7],
  ['0', 1],
  [-3, 1],
  ['1e9', 100],
  [Infinity, 5],
])('numberSetting(%j, default 5, 1..100) = %d', (v, expected) => {
  expect(numberSetting(v, 5, 1, 100)).toBe(expected);
});

test('no upper limit unless given', () => {
  expect(numberSetting('123456', 5, 1)).toBe(123456);
});
