// How the console turns failures into JSON answers an operator (or an integration) can act on.
import type { ZodError } from 'zod';
import { ServiceError } from '../contracts';
import { describeZodError } from '../messages';

export interface HttpError {
  status: number;
  error: string;
}

/** ServiceError from any copy of contracts.ts (duck-typed: services may be built separately). */
function isServiceError(e: unknown): e is ServiceError {
  return e instanceof ServiceError || (e instanceof Error && e.name === 'ServiceError' && typeof (e as { status?: unknown }).status === 'number');
}

export function toHttpError(e: unknown): HttpError {
  if (isServiceError(e)) return { status: e.status, error: e.message };
  if (e && typeof e === 'object' && (e as { name?: string }).name === 'ZodError') return { status: 400, error: describeZodError(e as ZodError, { root: 'body' }) };
  // body-parser errors carry their status (400 bad JSON, 413 too large, 415 charset).
  const status = (e as { status?: unknown; type?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && typeof (e as { type?: unknown }).type === 'string') {
    const type = (e as { type: string }).type;
    if (type === 'entity.parse.failed') return { status: 400, error: 'the request body is not valid JSON' };
    if (type === 'entity.too.large') return { status: 413, error: 'the request body is too large' };
    return { status, error: (e as Error).message };
  }
  return { status: 500, error: `internal error in the console: ${e instanceof Error ? e.message : String(e)}` };
}
