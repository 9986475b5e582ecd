// Console users and roles. Users come from the copilot-console node's credentials (scrypt hashes
// only) and, optionally, from the environment (for demos and containerised installs).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { hashPassword, isPasswordHash } from './passwords';

/**
 * One scrypt hash per environment password for the life of the process. Sessions end when the
 * user's hash changes (a password changed in the editor); a fresh salt at every redeploy gave an
 * environment user a new hash each time, so every deploy logged them out with "your password was
 * changed". Keyed by a SHA-256 of the password, which is already in this process's environment.
 */
const envHashes = new Map<string, Promise<string>>();
function hashEnvPassword(password: string): Promise<string> {
  const key = createHash('sha256').update(password).digest('hex');
  let hash = envHashes.get(key);
  if (!hash) {
    hash = hashPassword(password);
    envHashes.set(key, hash);
    hash.catch(() => envHashes.delete(key));
  }
  return hash;
}

export const ROLES = ['operator', 'supervisor', 'engineer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface ConsoleUser {
  name: string;
  roles: Role[];
  /** scrypt hash (see passwords.ts); never the password itself. */
  hash: string;
}

const USER_NAME = z
  .string()
  .trim()
  .min(1, 'a user name cannot be empty')
  .max(64, 'a user name is at most 64 characters')
  .regex(/^[A-Za-z0-9._@-]+$/, 'a user name may contain letters, digits and . _ @ - only');
const ROLE = z.enum(ROLES, { message: `a role is one of ${ROLES.join(', ')}` });

/** What the editor stores in the node's credentials: names, roles and hashes. */
export const storedUserSchema = z.strictObject({
  name: USER_NAME,
  roles: z.array(ROLE).min(1, 'give each user at least one role'),
  hash: z.string().refine(isPasswordHash, 'not a scrypt password hash: set the password again in the editor'),
});

/** An environment entry may carry a password (hashed at start, never stored) or a hash. */
const envUserSchema = z
  .strictObject({
    name: USER_NAME,
    roles: z.array(ROLE).min(1, 'give each user at least one role'),
    password: z.string().min(1).optional(),
    hash: z.string().refine(isPasswordHash, 'not a scrypt password hash').optional(),
  })
  .refine((u) => u.password !== undefined || u.hash !== undefined, 'each user needs a password or a hash');

export interface UsersResult {
  users: ConsoleUser[];
  errors: string[];
}

/** Parses the stored credentials list (JSON text). Bad entries are reported and left out. */
export function parseStoredUsers(text: string | undefined): UsersResult {
  const errors: string[] = [];
  const users: ConsoleUser[] = [];
  if (!text || !text.trim()) return { users, errors };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { users, errors: ['the stored user list is not valid JSON: open the console node and save the users again'] };
  }
  if (!Array.isArray(raw)) return { users, errors: ['the stored user list is not a list: open the console node and save the users again'] };
  raw.forEach((u, i) => {
    const r = storedUserSchema.safeParse(u);
    if (r.success) users.push(r.data);
    else errors.push(`user ${i + 1}${(u as { name?: string })?.name ? ` (${(u as { name: string }).name})` : ''}: ${r.error.issues.map((x) => x.message).join('; ')}`);
  });
  return { users, errors };
}

/**
 * Parses an environment-provided users spec and hashes any passwords in it. Two forms:
 * - JSON: `[{"name":"op1","roles":["operator"],"password":"..."}]` (or `"hash"` instead of password;
 *   `"username"` is accepted for `"name"`);
 * - compact: `operator1:operator, operator2:operator, boss:supervisor+engineer`, every user with
 *   `sharedPassword` (typically `${DEMO_PASSWORD}`).
 */
export async function parseEnvUsers(spec: string | undefined, sharedPassword: string | undefined): Promise<UsersResult> {
  const errors: string[] = [];
  const users: ConsoleUser[] = [];
  const text = (spec ?? '').trim();
  if (!text) return { users, errors };
  if (text.startsWith('[')) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      return { users, errors: [`the environment users list looks like JSON but does not parse: ${(e as Error).message}`] };
    }
    if (!Array.isArray(raw)) return { users, errors: ['the environment users list must be a JSON array'] };
    for (const [i, entry] of raw.entries()) {
      // `username` is accepted for `name` (the login body's word for it).
      const u =
        entry && typeof entry === 'object' && 'username' in entry && !('name' in entry)
          ? (({ username, ...rest }) => ({ ...rest, name: username }))(entry as { username: unknown })
          : entry;
      const r = envUserSchema.safeParse(u);
      if (!r.success) {
        errors.push(`environment user ${i + 1}: ${r.error.issues.map((x) => x.message).join('; ')}`);
        continue;
      }
      const hash = r.data.hash ?? (await hashEnvPassword(r.data.password as string));
      users.push({ name: r.data.name, roles: r.data.roles, hash });
    }
    return { users, errors };
  }
  const entries = envUserEntries(text);
  if (entries.length && !sharedPassword) {
    return { users, errors: ['environment users are listed as name:role but no password is set: set the "Env password" field of the copilot-console node to the environment variable that holds their shared password, written as ${VARIABLE} (e.g. ${DEMO_PASSWORD}), never the password itself'] };
  }
  let hash: string | undefined;
  for (const entry of entries) {
    const { name, roleText, extra } = envUserEntryParts(entry);
    if (extra) {
      errors.push(`environment user "${entry}": write name:role or name:role1+role2 (passwords go in the password field, "Env password" of the copilot-console node, not here)`);
      continue;
    }
    const r = z.object({ name: USER_NAME, roles: z.array(ROLE).min(1) }).safeParse({ name, roles: roleText.split('+').map((s) => s.trim()) });
    if (!r.success) {
      errors.push(`environment user "${entry}": ${r.error.issues.map((x) => x.message).join('; ')}`);
      continue;
    }
    hash ??= await hashEnvPassword(sharedPassword as string);
    users.push({ name: r.data.name, roles: r.data.roles, hash });
  }
  return { users, errors };
}

/** The entries of an environment users list written `name:role, name:role1+role2` (commas, semicolons or new lines). */
export function envUserEntries(text: string): string[] {
  return text.split(/[,\n;]/).map((s) => s.trim()).filter(Boolean);
}

/** One `name:role1+role2` entry's parts (the role defaults to operator); `extra` when it has more colons (a password written in). */
export function envUserEntryParts(entry: string): { name: string; roleText: string; extra: boolean } {
  const [name, roleText = 'operator', ...rest] = entry.split(':');
  return { name: name.trim(), roleText, extra: rest.length > 0 };
}

/** Credentials users first; an environment user with the same name is ignored (and reported). */
export function mergeUsers(stored: ConsoleUser[], env: ConsoleUser[]): UsersResult {
  const byName = new Map<string, ConsoleUser>();
  const errors: string[] = [];
  for (const u of stored) byName.set(u.name.toLowerCase(), u);
  for (const u of env) {
    if (byName.has(u.name.toLowerCase())) errors.push(`user ${u.name} is defined in the node and in the environment: the node's entry is used`);
    else byName.set(u.name.toLowerCase(), u);
  }
  return { users: [...byName.values()], errors };
}

/**
 * Hashes any plain `password` entries in a stored user list (someone edited the credentials
 * outside the editor) so the runtime can store hashes only. Returns the list to store back.
 */
export async function upgradeStoredUsers(text: string | undefined): Promise<{ text: string; changed: boolean }> {
  if (!text || !text.trim()) return { text: text ?? '', changed: false };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { text, changed: false };
  }
  if (!Array.isArray(raw)) return { text, changed: false };
  let changed = false;
  const out = [];
  for (const u of raw) {
    if (u && typeof u === 'object' && typeof (u as { password?: unknown }).password === 'string' && (u as { password: string }).password) {
      const { password, ...rest } = u as { password: string; hash?: string };
      out.push({ ...rest, hash: await hashPassword(password) });
      changed = true;
    } else out.push(u);
  }
  return { text: changed ? JSON.stringify(out) : text, changed };
}

/** A property that still reads `${NAME}` after Node-RED's substitution names an unset variable. */
export function unsetEnvReference(value: string | undefined): string | undefined {
  const m = /^\$\{([^}]+)\}$/.exec((value ?? '').trim());
  return m ? m[1] : undefined;
}
