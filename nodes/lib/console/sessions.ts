// In-memory console sessions: random ids in an httpOnly cookie, a CSRF token per session, an idle
// timeout. Memory only on purpose: a Node-RED restart logs everyone out, which is the safe side.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  user: string;
  csrfToken: string;
  createdAt: number;
  lastSeen: number;
  client: string;
  /** The password hash the user logged in with: a session ends when the password changes. */
  credential: string;
}

/** Upper bound so a flood of logins cannot exhaust memory; the oldest session goes first. */
const MAX_SESSIONS = 1000;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(user: string, client: string, credential: string): Session {
    const t = this.now();
    const s: Session = {
      id: randomBytes(32).toString('base64url'),
      user,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: t,
      lastSeen: t,
      client,
      credential,
    };
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = [...this.sessions.values()].sort((a, b) => a.lastSeen - b.lastSeen)[0];
      this.sessions.delete(oldest.id);
    }
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session for this id, or undefined when unknown or idle too long. */
  get(id: string | undefined, idleTimeoutMs: number, touch = true): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeen > idleTimeoutMs) {
      this.sessions.delete(id);
      return undefined;
    }
    if (touch) s.lastSeen = t;
    return s;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  sweep(idleTimeoutMs: number): void {
    const t = this.now();
    for (const [id, s] of this.sessions) if (t - s.lastSeen > idleTimeoutMs) this.sessions.delete(id);
  }
}

export function csrfMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || !given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
