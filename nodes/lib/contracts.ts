// The payload contracts of DESIGN §2 as types, shared by the nodes, the console and tests.
// Extend them; don't rename fields (flows and integrations rely on them).
import type { Priority, AlarmType } from './plant/schema';
import type { Quality, Rationalization, TagValue } from './plant/model';

export type AlarmState = 'NORMAL' | 'UNACK' | 'ACKED' | 'RTN_UNACK' | 'LATCHED' | 'SHELVED' | 'SUPPRESSED' | 'OUT_OF_SERVICE';

export interface AlarmEvent {
  id: string;
  tag: string;
  type: AlarmType;
  state: AlarmState;
  priority: Priority;
  value: TagValue | null;
  limit: TagValue | null;
  message: string;
  /** ms since epoch when the alarm condition became active, null when not active. */
  activeSince: number | null;
  firstOut: boolean;
  shelved: boolean;
  suppressed: boolean;
  rationalization: Rationalization;
  /** Whether the alarm condition is present now (independent of acknowledgement). */
  active: boolean;
  acked: boolean;
  quality?: Quality;
  area?: string;
  position?: string;
  /** When this state was entered, and by whom for operator commands. */
  at: number;
  by?: string;
  shelvedUntil?: number;
  reason?: string;
}

export type AlarmCommandName = 'ack' | 'shelve' | 'unshelve' | 'reset' | 'out-of-service' | 'return-to-service';

export interface AlarmCommand {
  command: AlarmCommandName;
  alarmId: string;
  user: string;
  minutes?: number;
  reason?: string;
}

export interface Evidence {
  tag: string;
  observed: TagValue | string | null;
  expected: TagValue | string | null;
  relation: 'supports' | 'contradicts';
}

export interface Hypothesis {
  /** A named cause id from the plant model, or `tag:<TAG>:<high|low|true|false>` from the influence graph. */
  cause: string;
  description?: string;
  confidence: number;
  evidence: Evidence[];
  /** The LLM's view of this hypothesis, when an LLM narrated the suggestion (checked like its summary; the ranking and confidence stay the knowledge-based ones). */
  rationale?: string;
}

export type Verdict = 'root_cause_identified' | 'ambiguous' | 'insufficient_evidence';

export interface PolicyVerdict {
  ok: boolean;
  reasons: string[];
  /** Set when one of the reasons is a change larger than the allowed step(s) from the live value. */
  overStep?: boolean;
}

export interface Proposal {
  id: string;
  tag: string;
  current: TagValue | null;
  proposed: number;
  unit?: string;
  limits: { min: number; max: number; maxStep?: number };
  rationale: string;
  evidence: Evidence[];
  approvalsRequired: 1 | 2;
  roles: string[];
  expiresAt: number;
  policy: PolicyVerdict;
  incidentId?: string;
  suggestionId?: string;
  consequence?: string;
  /** Who made it: knowledge-base or llm:<provider>/<model>; with the LLM's input hash for the audit. */
  reasoner?: string;
  inputHash?: string;
  createdAt?: number;
}

export interface Suggestion {
  id: string;
  incidentId: string;
  alarms: AlarmEvent[];
  verdict: Verdict;
  summary: string;
  hypotheses: Hypothesis[];
  consequences: string[];
  actions: string[];
  proposals: Proposal[];
  /** `knowledge-base`, or `llm:<provider>/<model>`; says "(fallback: ...)" when the LLM failed. */
  reasoner: string;
  model?: string;
  checkNext?: string[];
  rationalization?: Array<Rationalization & { alarmId: string }>;
  createdAt: number;
}

export interface Incident {
  id: string;
  openedAt: number;
  closedAt?: number;
  area?: string;
  alarmIds: string[];
  firstOut?: string;
  flood: boolean;
  /** The incident this one continues: its alarms stood after that one's upset had settled. */
  continues?: string;
  suggestion?: Suggestion;
  feedback?: Array<{ cause: string; correct: boolean; note?: string; user: string; at: number }>;
}

export type ProposalState = 'pending' | 'selected' | 'approved' | 'rejected' | 'expired' | 'superseded' | 'written' | 'failed';

export interface Approval {
  user: string;
  at: number;
  value: number;
  reason?: string;
}

export interface ProposalRecord extends Proposal {
  state: ProposalState;
  selectedBy?: string;
  selectedUntil?: number;
  approvals: Approval[];
  rejection?: { user: string; at: number; reason: string };
  result?: WriteResult;
  /** Final value to write, after an edit within policy. */
  value?: number;
  updatedAt: number;
  /** Why it ended without a write, in an operator's words (policy refusal, expiry, live value moved, superseded). */
  closedReason?: string;
}

export interface ApprovedWrite {
  proposalId: string;
  tag: string;
  value: number;
  approvedBy: string[];
  token: string;
}

export interface WriteResult {
  proposalId: string;
  tag: string;
  requested: number;
  written: number | null;
  readBack: TagValue | null;
  verified: boolean;
  at: number;
  error?: string;
}

export interface UserRef {
  name: string;
  roles: string[];
}

/** An error with the HTTP status the console should answer with. */
export class ServiceError extends Error {
  constructor(
    public readonly status: 400 | 401 | 403 | 404 | 409 | 422 | 429 | 500 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export interface AuditRecord {
  seq: number;
  at: number;
  kind: string;
  actor: string | null;
  data: unknown;
  hash: string;
  prevHash: string;
}

export interface AuditSink {
  append(kind: string, actor: string | null, data: unknown): void;
  query(opts: { from?: number; to?: number; limit?: number; kind?: string }): AuditRecord[];
}
