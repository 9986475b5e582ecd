// Canonical JSON: the same value always gives the same text (keys sorted, undefined dropped,
// non-finite numbers as null), so a record's hash does not depend on property order.
export function canonicalJson(value: unknown): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (typeof v === 'bigint') return v.toString();
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Error) return { name: v.name, message: v.message };
    if (typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
      let out: unknown;
      if (Array.isArray(v)) out = v.map((x) => (x === undefined ? null : walk(x)));
      else if (v instanceof Map) out = walk(Object.fromEntries(v));
      else if (v instanceof Set) out = walk([...v]);
      else {
        const o: Record<string, unknown> = {};
        for (const k of Object.keys(v).sort()) {
          const w = walk((v as Record<string, unknown>)[k]);
          if (w !== undefined) o[k] = w;
        }
        out = o;
      }
      seen.delete(v);
      return out;
    }
    return undefined;
  };
  const text = JSON.stringify(walk(value));
  return text === undefined ? 'null' : text;
}
