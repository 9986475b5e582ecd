// The operator console server (DESIGN §6): router, users, passwords, sessions, rate limit.
export * from './router';
export * from './users';
export * from './passwords';
export { SessionStore, csrfMatches, type Session } from './sessions';
export { LoginRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit';
export { toHttpError } from './errors';
