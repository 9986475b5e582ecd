// Approval tokens (DESIGN §5 rule 2): an HMAC-SHA256 over {proposalId, tag, value, approvers,
// expiresAt, nonce} with a secret held in the copilot-approval node's credentials. A token is
// single-use (the nonce ledger remembers every redeemed nonce until long after the token
// expired) and expires. Format: base64url(canonical claims JSON) "." base64url(HMAC).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../audit/canonical';

export interface TokenClaims {
  proposalId: string;
  tag: string;
  value: number;
  approvers: string[];
  expiresAt: number;
  nonce: string;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: string };

/** A new random secret (32 bytes, hex) for a copilot-approval node whose credentials are empty. */
export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** The shortest secret that signs tokens: a short one could be guessed from a token. */
export const MIN_SECRET_LENGTH = 16;

export function signToken(secret: string, claims: TokenClaims): string {
  if (!secret || secret.length < MIN_SECRET_LENGTH) throw new Error(`the approval secret is missing or shorter than ${MIN_SECRET_LENGTH} characters`);
  const payload = canonicalJson(claims);
  return `${b64(payload)}.${b64(mac(secret, payload))}`;
}

function isClaims(c: unknown): c is TokenClaims {
  const o = c as TokenClaims;
  return (
    !!o &&
    typeof o.proposalId === 'string' &&
    typeof o.tag === 'string' &&
    typeof o.value === 'number' &&
    Number.isFinite(o.value) &&
    Array.isArray(o.approvers) &&
    o.approvers.every((a) => typeof a === 'string') &&
    typeof o.expiresAt === 'number' &&
    typeof o.nonce === 'string' &&
    o.nonce.length >= 16
  );
}

/** Checks the signature only (constant time) and decodes the claims. */
export function decodeToken(secret: string, token: unknown): TokenCheck {
  if (typeof token !== 'string' || !token) return { ok: false, reason: 'the message carries no approval token' };
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: 'the approval token is malformed' };
  let payload: string;
  let sig: Buffer;
  try {
    payload = Buffer.from(parts[0], 'base64url').toString('utf8');
    sig = Buffer.from(parts[1], 'base64url');
  } catch {
    return { ok: false, reason: 'the approval token is malformed' };
  }
  const expected = mac(secret, payload);
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected))
    return { ok: false, reason: 'the approval token signature is not valid (forged, altered, or signed by another approval node)' };
  let claims: unknown;
  try {
    claims = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'the approval token is malformed' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'the approval token is malformed' };
  // Re-encode and compare so that only the canonical form (the one this package signs) passes.
  if (canonicalJson(claims) !== payload) return { ok: false, reason: 'the approval token is malformed' };
  return { ok: true, claims };
}

/**
 * Remembers redeemed nonces. An entry is kept until an hour after its token expired: by then
 * the expiry check alone refuses the token.
 */
export class NonceLedger {
  private readonly used = new Map<string, number>();
  static readonly KEEP_AFTER_EXPIRY_MS = 3_600_000;

  has(nonce: string): boolean {
    return this.used.has(nonce);
  }

  add(nonce: string, expiresAt: number): void {
    this.used.set(nonce, expiresAt);
  }

  prune(now: number): void {
    for (const [n, exp] of this.used) if (exp + NonceLedger.KEEP_AFTER_EXPIRY_MS < now) this.used.delete(n);
  }

  toJSON(): Array<[string, number]> {
    return [...this.used];
  }

  static from(entries: unknown): NonceLedger {
    const l = new NonceLedger();
    if (Array.isArray(entries))
      for (const e of entries) if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number') l.add(e[0], e[1]);
    return l;
  }
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}
