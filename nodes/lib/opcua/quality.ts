// OPC UA status codes -> the plant model's three qualities (OPC UA Part 4 §7.39: the two top
// bits of a StatusCode are its severity: 00 Good, 01 Uncertain, 10 Bad; 11 is reserved and
// treated as Bad).
import type { Quality } from '../plant';

export function qualityOf(statusCode: number | { value: number }): Quality {
  const v = typeof statusCode === 'number' ? statusCode : statusCode.value;
  const severity = (v >>> 30) & 0x3;
  if (severity === 0) return 'good';
  if (severity === 1) return 'uncertain';
  return 'bad';
}
