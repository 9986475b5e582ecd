// Node settings arrive from the editor as strings (or numbers, or ${ENV} substitutions): one
// reading of "a number with a default and limits" for every node, so a blank field means the
// default everywhere and an out-of-range value is clamped the same way everywhere.
export function numberSetting(v: unknown, dflt: number, min: number, max = Infinity): number {
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
}
