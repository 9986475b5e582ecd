// What may arrive on the approval and write nodes' inputs, checked with zod at the edge. The
// messages say what is wrong and what to send instead.
import { z } from 'zod';

const finite = (what: string) => z.number({ error: `${what} must be a number` }).refine(Number.isFinite, `${what} must be a finite number`);

const evidenceSchema = z.looseObject({
  tag: z.string(),
  observed: z.union([z.number(), z.boolean(), z.string(), z.null()]),
  expected: z.union([z.number(), z.boolean(), z.string(), z.null()]),
  relation: z.enum(['supports', 'contradicts']),
});

/** A Proposal (DESIGN §2), as copilot-reason output 2 emits it or any flow builds it. */
export const proposalSchema = z.looseObject({
  id: z.string({ error: 'a proposal needs an id (string)' }).min(1, 'a proposal needs an id (string)'),
  tag: z.string({ error: 'a proposal needs the tag to write (e.g. "FIC-101.SP")' }).min(1),
  current: z.union([z.number(), z.boolean(), z.string(), z.null()]).optional().default(null),
  proposed: finite('proposed'),
  unit: z.string().optional(),
  limits: z.looseObject({ min: z.number(), max: z.number(), maxStep: z.number().optional() }).optional(),
  rationale: z.string().optional().default(''),
  evidence: z.array(evidenceSchema).optional().default([]),
  approvalsRequired: z.union([z.literal(1), z.literal(2)]).optional(),
  roles: z.array(z.string()).optional(),
  expiresAt: finite('expiresAt (ms since epoch)'),
  policy: z.looseObject({ ok: z.boolean(), reasons: z.array(z.string()) }).optional(),
  incidentId: z.string().optional(),
  suggestionId: z.string().optional(),
  consequence: z.string().optional(),
  reasoner: z.string().optional(),
  inputHash: z.string().optional(),
  createdAt: z.number().optional(),
});
export type ProposalInput = z.infer<typeof proposalSchema>;

export const userSchema = z.looseObject({
  name: z.string({ error: 'the decision needs user.name (who decided)' }).trim().min(1, 'the decision needs user.name (who decided)'),
  roles: z.array(z.string(), { error: 'user.roles must be a list of role names, e.g. ["operator"]' }),
});

/** A decision message: topic select / approve / reject. */
export const decisionSchema = z.looseObject({
  proposalId: z.string({ error: 'the decision needs proposalId' }).min(1, 'the decision needs proposalId'),
  user: userSchema,
  value: finite('value').optional(),
  reason: z.string().optional(),
});
export type DecisionInput = z.infer<typeof decisionSchema>;

/** An ApprovedWrite (DESIGN §2) on the write node's input. */
export const approvedWriteSchema = z.looseObject({
  proposalId: z.string().min(1),
  tag: z.string().min(1),
  value: finite('value'),
  approvedBy: z.array(z.string()),
  token: z.string().min(1),
});

/** A WriteResult (DESIGN §2), as copilot-write emits it on the hub. */
export const writeResultSchema = z.looseObject({
  proposalId: z.string(),
  tag: z.string(),
  requested: z.number(),
  written: z.number().nullable(),
  readBack: z.union([z.number(), z.boolean(), z.string(), z.null()]),
  verified: z.boolean(),
  at: z.number(),
  error: z.string().optional(),
});

/** How many zod issues an approval or write error names (the first ones). */
export const MAX_ISSUES = 3;
