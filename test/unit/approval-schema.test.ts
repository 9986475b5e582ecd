// One wording for zod errors everywhere (approval and write nodes, console API, OPC UA settings):
// "path: message" per issue, an optional label for issues about the whole value, an optional cap.
import { z } from 'zod';
import { decisionSchema, MAX_ISSUES } from '../../nodes/lib/approval';
import { describeZodError } from '../../nodes/lib/messages';

const errorOf = (schema: z.ZodType, v: unknown) => {
  const r = schema.safeParse(v);
  if (r.success) throw new Error('expected a zod error');
  return r.error;
};

test('describeZodError names each field, labels the whole value with root, and caps with max', () => {
  const e = errorOf(decisionSchema, { user: { name: ' ', roles: 'x' }, value: 'a' });
  expect(describeZodError(e)).toBe(
    'proposalId: the decision needs proposalId; user.name: the decision needs user.name (who decided); user.roles: user.roles must be a list of role names, e.g. ["operator"]; value: value must be a number',
  );
  expect(describeZodError(e, { max: MAX_ISSUES }).split('; ')).toHaveLength(3);
  const whole = errorOf(z.object({ a: z.string() }), 'text');
  expect(describeZodError(whole)).toBe('Invalid input: expected object, received string');
  expect(describeZodError(whole, { root: 'body' })).toBe('body: Invalid input: expected object, received string');
});
