// Console passwords: scrypt from Node's crypto (no extra dependency), a random salt per user,
// constant-time comparison. Stored as `scrypt:N:r:p:<salt b64>:<hash b64>` so the cost can be
// raised later without breaking stored hashes.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const PREFIX = 'scrypt:';
const VERIFY_MAXMEM = 256 * 1024 * 1024;

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export function isPasswordHash(s: unknown): s is string {
  return typeof s === 'string' && parseHash(s) !== undefined;
}

function parseHash(s: string): { n: number; r: number; p: number; salt: Buffer; hash: Buffer } | undefined {
  if (!s.startsWith(PREFIX)) return undefined;
  const parts = s.split(':');
  if (parts.length !== 6) return undefined;
  const [, n, r, p, salt, hash] = parts;
  const nums = [Number(n), Number(r), Number(p)];
  if (!nums.every((x) => Number.isInteger(x) && x > 0)) return undefined;
  // Power of two and bounded: a tampered hash must not make a login allocate gigabytes.
  if ((nums[0] & (nums[0] - 1)) !== 0 || nums[0] > 1 << 20 || nums[1] > 32 || nums[2] > 16) return undefined;
  // What OpenSSL's scrypt needs for these factors must fit in the verify's maxmem, or it throws.
  if (128 * nums[1] * (nums[0] + 2 + nums[2]) > VERIFY_MAXMEM) return undefined;
  const saltBuf = Buffer.from(salt, 'base64');
  const hashBuf = Buffer.from(hash, 'base64');
  if (saltBuf.length < 8 || hashBuf.length < 16) return undefined;
  return { n: nums[0], r: nums[1], p: nums[2], salt: saltBuf, hash: hashBuf };
}

export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) throw new Error('a password cannot be empty');
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `${PREFIX}${N}:${R}:${P}:${salt.toString('base64')}:${key.toString('base64')}`;
}

/** True when `password` matches `stored`; false for a malformed hash (never throws on bad input). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h || typeof password !== 'string') return false;
  const key = await scryptAsync(password, h.salt, h.hash.length, { N: h.n, r: h.r, p: h.p, maxmem: VERIFY_MAXMEM });
  return key.length === h.hash.length && timingSafeEqual(key, h.hash);
}

let dummy: Promise<string> | undefined;
/**
 * Spends the same scrypt work as a real check, for unknown user names, so the answer time does
 * not tell an attacker which names exist.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummy ??= hashPassword('not-a-real-user-' + randomBytes(8).toString('hex'));
  await verifyPassword(password, await dummy);
  return false;
}
