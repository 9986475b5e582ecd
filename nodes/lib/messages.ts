// Message contracts at the edge (DESIGN §2). Every copilot node validates what it receives
// here, so a malformed message gets one clear error instead of a crash deep inside.
import { z } from 'zod';
import type { Quality, TagValue } from './plant/model';

export interface TagSample {
  tag: string;
  value: TagValue;
  quality: Quality;
  timestamp: number;
  source?: string;
}

const value = z.union([z.number(), z.boolean(), z.string()]);
const quality = z.enum(['good', 'uncertain', 'bad']);

/**
 * A zod error as one line that names each field: "user.name: the decision needs user.name; value:
 * value must be a number". An issue about the whole value (no path) is prefixed with `root` when
 * given; `max` keeps only the first issues. Every copilot node and the console word them this way.
 */
export function describeZodError(e: z.ZodError, opts: { root?: string; max?: number } = {}): string {
  return zodProblems(e, opts).join('; ');
}

/** The same wording, one entry per issue (for a list of problems, e.g. a file's). */
export function zodProblems(e: z.ZodError, opts: { root?: string; max?: number } = {}): string[] {
  return e.issues
    .slice(0, opts.max ?? e.issues.length)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : opts.root ? `${opts.root}: ${i.message}` : i.message));
}

export class MessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageError';
  }
}

/**
 * Accepts a single tag sample (`topic` = tag, `payload` = value) or a batch
 * (`topic` = "batch", `payload` = {TAG: {value, quality, timestamp}}) and returns samples.
 * Numbers that arrive as numeric strings (common from MQTT and CSV) are accepted as numbers.
 */
export function samplesFromMessage(msg: Record<string, unknown>, now = Date.now()): TagSample[] {
  const topic = msg.topic;
  const source = typeof msg.source === 'string' ? msg.source : undefined;
  if (topic === 'batch') {
    if (!msg.payload || typeof msg.payload !== 'object' || Array.isArray(msg.payload))
      throw new MessageError('batch message: payload must be an object {TAG: {value, quality, timestamp}}');
    // Checked by hand, not with zod: a batch carries thousands of entries and this is the
    // per-sample hot path of every consumer (zod cost ~0.5 µs an entry, more than the alarm engine).
    const out: TagSample[] = [];
    for (const [tag, entry] of Object.entries(msg.payload as Record<string, unknown>)) {
      const e = entry as { value?: unknown; quality?: unknown; timestamp?: unknown } | null;
      const value = e && typeof e === 'object' ? e.value : undefined;
      const q = e?.quality;
      const ts = e?.timestamp;
      if (
        !((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || typeof value === 'string') ||
        !(q === undefined || q === 'good' || q === 'uncertain' || q === 'bad') ||
        !(ts === undefined || (typeof ts === 'number' && Number.isFinite(ts)))
      )
        throw new MessageError(`batch message: entry "${tag}" must be {value, quality?, timestamp?} with a number, boolean or string value`);
      out.push({ tag, value, quality: q ?? 'good', timestamp: ts ?? now, source });
    }
    return out;
  }
  if (typeof topic !== 'string' || !topic) throw new MessageError('tag sample: msg.topic must be the tag name (or "batch")');
  let v = msg.payload;
  if (typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v))) v = Number(v);
  const pv = value.safeParse(v);
  if (!pv.success) throw new MessageError(`tag sample ${topic}: msg.payload must be a number, boolean or string, got ${v === null ? 'null' : typeof v}`);
  const q = msg.quality === undefined ? 'good' : quality.safeParse(msg.quality);
  if (q !== 'good' && !q.success) throw new MessageError(`tag sample ${topic}: msg.quality must be good, uncertain or bad`);
  const ts = typeof msg.timestamp === 'number' && Number.isFinite(msg.timestamp) ? msg.timestamp : now;
  return [{ tag: topic, value: pv.data, quality: q === 'good' ? 'good' : q.data, timestamp: ts, source }];
}
