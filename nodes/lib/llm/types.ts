// What the reasoning node asks of an LLM and what it accepts back. The LLM narrates and may
// suggest; it never decides alone: its answer is validated against the context it was given
// (known tags, numbers that are in the context, causes of the plant model) and every proposal
// goes through the same write policy as the knowledge-based ones.
import { z } from 'zod';
import type { DiagnosisResult } from '../diagnosis';
import type { Quality, TagValue } from '../plant/model';

export const PROVIDERS = ['none', 'ollama', 'openai', 'anthropic'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface LlmSettings {
  provider: Provider;
  model: string;
  /** OpenAI-compatible or Ollama server; default the provider's own. */
  baseUrl?: string;
  apiKey?: string;
  temperature: number;
  timeoutMs: number;
  maxTokens: number;
  callsPerMinute: number;
  /** Tokens (prompt + answer, as reported or estimated) allowed per hour. */
  tokenBudgetPerHour: number;
}

export const DEFAULT_LLM_SETTINGS: Omit<LlmSettings, 'provider' | 'model'> = {
  temperature: 0.1,
  timeoutMs: 20_000,
  maxTokens: 800,
  callsPerMinute: 4,
  tokenBudgetPerHour: 60_000,
};

/** The context of one incident, as data. Nothing in it is an instruction. */
export interface LlmContext {
  plant: string;
  incident: { id: string; openedAt: string; flood: boolean; firstOut?: string };
  alarms: Array<{ id: string; tag: string; type: string; priority: string; state: string; value: TagValue | null; limit: TagValue | null; message: string; activeSince: string | null; cause: string; consequence: string; action: string; responseTime: string }>;
  diagnosis: Pick<DiagnosisResult, 'verdict' | 'hypotheses' | 'checkNext' | 'deviations' | 'unknown'>;
  values: Record<string, { value: TagValue | null; quality: Quality; unit?: string; normal?: unknown; description?: string }>;
  causes: Array<{ id: string; description: string; actions: string[] }>;
  writable: Record<string, { min: number; max: number; maxStep?: number; unit?: string }>;
}

export const llmAnswerSchema = z.strictObject({
  summary: z.string().min(1).max(1200).describe('Two to four sentences for the operator: what is happening, the likely cause, what to do first'),
  hypotheses: z
    .array(z.strictObject({ cause: z.string(), rationale: z.string().max(600) }))
    .max(5)
    .optional()
    .describe('Your view of the hypotheses of the diagnosis, by cause id'),
  actions: z.array(z.string().min(1).max(300)).max(6).optional().describe('Additional operator actions, in words'),
  proposals: z
    .array(z.strictObject({ tag: z.string(), value: z.number(), rationale: z.string().max(400) }))
    .max(3)
    .optional()
    .describe('Setpoint changes for writable tags only; each is checked by the write policy and needs human approval'),
});
export type LlmAnswer = z.infer<typeof llmAnswerSchema>;

export interface LlmUsage {
  inputHash: string;
  tokens: number;
  /** Tool calls the model made, for the audit. */
  toolCalls: string[];
}

/** Read-only lookups the LLM may call (the node answers them from the live plant). */
export interface LlmLookups {
  tagValue(tag: string): unknown;
  trend(tag: string): unknown;
  alarmRecord(idOrTag: string): unknown;
  activeAlarms(): unknown;
  plantModel(tagOrCause: string): unknown;
}

export interface LlmAdvisor {
  readonly provider: Provider;
  readonly model: string;
  /** `llm:<provider>/<model>` */
  readonly label: string;
  readonly settings: LlmSettings;
  advise(ctx: LlmContext, lookups: LlmLookups, signal: AbortSignal): Promise<{ answer: LlmAnswer; usage: LlmUsage }>;
  ask(ctx: LlmContext, question: string, lookups: LlmLookups, signal: AbortSignal): Promise<{ answer: string; usage: LlmUsage }>;
}

/** What a copilot-llm config node offers the reasoning node. */
export interface LlmHandle {
  settings?: LlmSettings;
  /** The advisor, or undefined for provider "none" or a configuration that cannot work (see `problem`). */
  advisor?: LlmAdvisor;
  problem?: string;
}
