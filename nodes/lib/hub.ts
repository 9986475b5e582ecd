// The per-plant hub: how the console and the flow nodes of one plant find each other without
// extra wires. Flow nodes `provide` a service (and withdraw it on close); the console looks the
// service up per request and streams `events` to browsers. Messages still flow on wires; the hub
// carries only the operator-facing state and commands.
import type {
  AlarmCommand,
  AlarmEvent,
  AuditSink,
  Incident,
  ProposalRecord,
  ProposalState,
  Suggestion,
  UserRef,
  WriteResult,
} from './contracts';
import type { TokenCheck } from './approval/tokens';

export interface AlarmService {
  /** Every configured alarm's current record (the console filters). */
  list(): AlarmEvent[];
  /** Applies an operator command; throws ServiceError (404 unknown alarm, 409 not allowed in this state). */
  command(cmd: AlarmCommand): AlarmEvent;
  kpis(): Record<string, unknown>;
}

export interface ReasonService {
  incidents(): Incident[];
  ask(incidentId: string, question: string, user: UserRef): Promise<{ answer: string; reasoner: string }>;
  feedback(incidentId: string, fb: { cause: string; correct: boolean; note?: string }, user: UserRef): Incident;
}

export interface ApprovalService {
  list(state?: ProposalState): ProposalRecord[];
  get(id: string): ProposalRecord | undefined;
  select(id: string, user: UserRef): ProposalRecord;
  approve(id: string, user: UserRef, edit: { value?: number; reason?: string }): ProposalRecord;
  reject(id: string, user: UserRef, reason: string): ProposalRecord;
  /**
   * copilot-write's token check: signature, expiry, single use, matching tag and value. Called
   * once per approved-write message; a token it accepts is spent.
   */
  redeem(write: Record<string, unknown>, actor: string | null): TokenCheck;
  /** The most steps a ramped write may take (the approval node's setting). */
  readonly maxSteps: number;
}

export interface Services {
  alarms: AlarmService;
  reason: ReasonService;
  approval: ApprovalService;
}

export type HubEvent =
  | { type: 'alarm'; payload: AlarmEvent }
  | { type: 'incident'; payload: Incident }
  | { type: 'suggestion'; payload: Suggestion }
  | { type: 'proposal'; payload: ProposalRecord }
  | { type: 'write'; payload: WriteResult }
  | { type: 'kpis'; payload: Record<string, unknown> };

export type HubListener = (e: HubEvent) => void;

export class PlantHub {
  private readonly services = new Map<keyof Services, { owner: string; impl: unknown }>();
  private readonly listeners = new Set<HubListener>();
  /** The plant's audit log; set by the plant config node. */
  audit?: AuditSink;

  provide<K extends keyof Services>(name: K, owner: string, impl: Services[K]): () => void {
    this.services.set(name, { owner, impl });
    return () => {
      if (this.services.get(name)?.owner === owner) this.services.delete(name);
    };
  }

  service<K extends keyof Services>(name: K): Services[K] | undefined {
    return this.services.get(name)?.impl as Services[K] | undefined;
  }

  emit(e: HubEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // One failing subscriber (e.g. a closed browser stream) must not stop the others.
      }
    }
  }

  on(l: HubListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
