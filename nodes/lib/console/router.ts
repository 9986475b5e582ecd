// The operator console's HTTP side (DESIGN §6): the JSON API under <mount>/api and the page's
// static assets. Pure Express, no Node-RED imports: the copilot-console node mounts it once on
// RED.httpNode at /copilot and hands it a function that finds the active console and its plant.
import * as path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { tolerantAppender } from '../audit/appender';
import { ServiceError, type AlarmCommandName, type AlarmEvent, type AuditSink, type ProposalState, type UserRef } from '../contracts';
import type { PlantHub, Services, HubEvent } from '../hub';
import type { PlantModel } from '../plant/model';
import type { LiveValue } from '../plant/live-values';
import { toHttpError } from './errors';
import { burnPasswordCheck, verifyPassword } from './passwords';
import { DEFAULT_RATE_LIMIT, LoginRateLimiter, type RateLimitOptions } from './rate-limit';
import { csrfMatches, SessionStore, type Session } from './sessions';
import type { ConsoleUser } from './users';

export const SESSION_COOKIE = 'copilot_sid';
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;

/** What the console needs per request; the node glue builds it from the active console node. */
export interface ConsoleContext {
  hub: PlantHub;
  users: ConsoleUser[];
  /** Plant name for the page header. */
  plant?: string;
  model?: PlantModel;
  live?: { get(tag: string): LiveValue | undefined; trend(tag: string, sinceMs?: number): Array<[number, number]> };
  idleTimeoutMs?: number;
  /** Display options passed to the page as they are (see the copilot-console node). */
  display?: Record<string, unknown>;
}

export interface ConsoleRouterOptions {
  /** The active console; throw ServiceError(503) when none is deployed. */
  context: () => ConsoleContext | Promise<ConsoleContext>;
  /** Folder with index.html, app.js, app.css; defaults to ./public beside this file. */
  publicDir?: string;
  rateLimit?: RateLimitOptions;
  /** SSE keep-alive and re-check interval (session still valid, plant redeployed). */
  heartbeatMs?: number;
  now?: () => number;
  log?: { warn(msg: string): void };
}

export type ConsoleRouter = express.Router & {
  /** Ends every event stream and timer (module unload, tests). */
  close(): void;
};

const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, medium: 2, low: 3 };
const PROPOSAL_STATES = ['pending', 'selected', 'approved', 'rejected', 'expired', 'superseded', 'written', 'failed'] as const;
const MAX_STREAMS = 200;
const MAX_STREAMS_PER_SESSION = 6;
/** A browser that stops reading gets its stream closed rather than growing our memory. */
const MAX_STREAM_BUFFER = 1024 * 1024;

const SERVICE_NAMES: Record<keyof Services, string> = {
  alarms: 'copilot-alarms',
  reason: 'copilot-reason',
  approval: 'copilot-approval',
};

// ---- request bodies and queries -------------------------------------------------------------
const REASON = z.string().trim().min(1, 'give a reason').max(500, 'a reason is at most 500 characters');
const loginBody = z.object({
  username: z.string({ message: 'username is required' }).trim().min(1, 'username is required').max(64),
  password: z.string({ message: 'password is required' }).min(1, 'password is required').max(1024),
});
const emptyBody = z.object({}).passthrough();
const ackBody = z.object({ reason: z.string().max(500).optional() });
const shelveBody = z.object({
  minutes: z.number({ message: 'minutes must be a number' }).positive('minutes must be more than 0').max(24 * 60, 'shelve for at most 24 hours (1440 minutes)'),
  reason: REASON,
});
const oosBody = z.object({ reason: REASON });
const askBody = z.object({ question: z.string({ message: 'question is required' }).trim().min(1, 'ask a question').max(2000, 'a question is at most 2000 characters') });
const feedbackBody = z.object({
  cause: z.string({ message: 'cause is required' }).trim().min(1, 'name the cause').max(200),
  correct: z.boolean({ message: 'correct must be true or false' }),
  note: z.string().max(2000).optional(),
});
const approveBody = z.object({
  value: z.number({ message: 'value must be a number' }).finite('value must be a finite number').optional(),
  reason: z.string().max(500, 'a reason is at most 500 characters').optional(),
});
const rejectBody = z.object({ reason: REASON });
const proposalQuery = z.object({ state: z.enum(PROPOSAL_STATES, { message: `state is one of ${PROPOSAL_STATES.join(', ')}` }).optional() });
const TIME = z
  .string()
  .transform((s, ctx) => {
    const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(t)) {
      ctx.addIssue({ code: 'custom', message: 'a time is milliseconds since 1970 or an ISO date such as 2026-01-31T08:00:00Z' });
      return z.NEVER;
    }
    return t;
  })
  .optional();
const auditQuery = z.object({
  from: TIME,
  to: TIME,
  kind: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(5000, 'limit is at most 5000').optional(),
});
const trendQuery = z.object({ minutes: z.coerce.number().positive().max(24 * 60).optional() });

// ---- helpers --------------------------------------------------------------------------------
interface ConsoleRequest extends Request {
  ctx?: ConsoleContext;
  session?: Session;
  user?: UserRef;
}

const asyncRoute =
  (fn: (req: ConsoleRequest, res: Response) => unknown | Promise<unknown>) =>
  (req: Request, res: Response, next: NextFunction): void => {
    Promise.resolve()
      .then(() => fn(req as ConsoleRequest, res))
      .catch(next);
  };

/** Middleware form: continues the chain when fn resolves. */
const asyncStep =
  (fn: (req: ConsoleRequest, res: Response) => unknown | Promise<unknown>) =>
  (req: Request, res: Response, next: NextFunction): void => {
    Promise.resolve()
      .then(() => fn(req as ConsoleRequest, res))
      .then(() => next(), next);
  };

function cookieValue(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0 || part.slice(0, i).trim() !== name) continue;
    // A mangled cookie is no session (401), not an internal error.
    try {
      return decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function sessionCookie(req: Request, value: string, clear = false): string {
  const attrs = [`${SESSION_COOKIE}=${value}`, `Path=${req.baseUrl || '/'}`, 'HttpOnly', 'SameSite=Strict'];
  if (req.secure) attrs.push('Secure');
  if (clear) attrs.push('Max-Age=0');
  return attrs.join('; ');
}

function service<K extends keyof Services>(ctx: ConsoleContext, name: K): Services[K] {
  const s = ctx.hub.service(name);
  if (!s) throw new ServiceError(503, `no ${SERVICE_NAMES[name]} node is deployed for this plant, so this part of the console is unavailable: add one to the flow and deploy`);
  return s;
}

/** Viewers watch; every other role may act (the approval service checks each tag's roles). */
function requireActor(user: UserRef): void {
  if (!user.roles.some((r) => r !== 'viewer')) throw new ServiceError(403, `${user.name} has the viewer role only and may not change anything`);
}

/** Route guard for calls reserved to some roles. */
function requireRole(roles: string[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const user = (req as ConsoleRequest).user as UserRef;
    next(user.roles.some((r) => roles.includes(r)) ? undefined : new ServiceError(403, `${user.name} may not do this: it needs the role ${roles.join(' or ')}`));
  };
}

function clientOf(req: Request): string {
  return req.ip || req.socket.remoteAddress || 'unknown';
}

export function sortAlarms(alarms: AlarmEvent[]): AlarmEvent[] {
  return [...alarms].sort((a, b) => {
    const an = a.state === 'NORMAL' ? 1 : 0;
    const bn = b.state === 'NORMAL' ? 1 : 0;
    if (an !== bn) return an - bn;
    const ap = PRIORITY_RANK[a.priority] ?? 9;
    const bp = PRIORITY_RANK[b.priority] ?? 9;
    if (ap !== bp) return ap - bp;
    // Newest activation first within a priority, so a fresh alarm is never below old ones.
    return (b.activeSince ?? 0) - (a.activeSince ?? 0) || a.id.localeCompare(b.id);
  });
}

// ---- the router -----------------------------------------------------------------------------
export function createConsoleRouter(opts: ConsoleRouterOptions): ConsoleRouter {
  const now = opts.now ?? Date.now;
  const sessions = new SessionStore(now);
  const limiter = new LoginRateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT, now);
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const publicDir = opts.publicDir ?? path.join(__dirname, 'public');
  /** Open event streams: each one's end function, with the session it belongs to. */
  const streams = new Map<() => void, string>();
  const router = express.Router() as ConsoleRouter;
  let lastIdleTimeout = DEFAULT_IDLE_TIMEOUT_MS;

  const sweeper = setInterval(() => {
    sessions.sweep(lastIdleTimeout);
    limiter.sweep();
  }, 60_000);
  sweeper.unref();

  /** A closed or failing audit log is reported (once per outage) but does not turn a login into an error. */
  let auditSink: AuditSink | undefined;
  const append = tolerantAppender(() => auditSink, {
    failed: (m) => opts.log?.warn(`console: ${m}`),
    recovered: (lost) => opts.log?.warn(`console: the audit log records again; ${lost} console record(s) were lost while it failed`),
  });
  const audit = (ctx: ConsoleContext, kind: string, actor: string | null, data: unknown) => {
    auditSink = ctx.hub.audit;
    append(kind, actor, data);
  };

  const idleOf = (ctx: ConsoleContext) => (lastIdleTimeout = ctx.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);

  // -- page ----------------------------------------------------------------------------------
  const pageHeaders = (res: Response) => {
    res.set({
      'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    });
  };
  router.get('/', (req, res, next) => {
    // Relative asset and API URLs need the trailing slash (/copilot -> /copilot/).
    const [p, q] = req.originalUrl.split('?');
    if (!p.endsWith('/')) return res.redirect(302, p + '/' + (q ? `?${q}` : ''));
    pageHeaders(res);
    res.set('Cache-Control', 'no-cache');
    res.sendFile(path.join(publicDir, 'index.html'), (err) => err && next(err));
  });
  const assets = express.static(publicDir, {
    index: false,
    redirect: false,
    setHeaders: (res) => {
      pageHeaders(res as unknown as Response);
      res.setHeader('Cache-Control', 'no-cache');
    },
  });
  // API calls never touch the file system.
  router.use((req, res, next) => (req.path.startsWith('/api/') || req.path === '/api' ? next() : assets(req, res, next)));

  // -- API: common middleware ------------------------------------------------------------------
  router.use('/api', (_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    next();
  });
  router.use('/api', express.json({ limit: '32kb', strict: true }));
  router.use(
    '/api',
    asyncStep(async (req) => {
      req.ctx = await opts.context();
    }),
  );

  router.post(
    '/api/login',
    asyncRoute(async (req, res) => {
      const ctx = req.ctx as ConsoleContext;
      const { username, password } = loginBody.parse(req.body ?? {});
      const client = clientOf(req);
      const wait = limiter.retryAfterMs(username, client);
      if (wait > 0) {
        const s = Math.ceil(wait / 1000);
        res.set('Retry-After', String(s));
        res.status(429).json({ error: `too many failed logins for ${username}: wait ${s} s before trying again` });
        return;
      }
      const attempt = limiter.fail(username, client);
      const user = ctx.users.find((u) => u.name.toLowerCase() === username.toLowerCase());
      const ok = user ? await verifyPassword(password, user.hash) : await burnPasswordCheck(password);
      if (!ok || !user) {
        audit(ctx, 'login-failed', username, { client });
        res.status(401).json({ error: 'wrong user name or password' });
        return;
      }
      limiter.succeed(username, client, attempt);
      const old = cookieValue(req, SESSION_COOKIE);
      if (old) sessions.destroy(old);
      const session = sessions.create(user.name, client, user.hash);
      res.setHeader('Set-Cookie', sessionCookie(req, session.id));
      audit(ctx, 'login', user.name, { client, roles: user.roles });
      res.json({ user: user.name, roles: user.roles, csrfToken: session.csrfToken });
    }),
  );

  // Every other API call needs a session; every state-changing one its CSRF token.
  router.use(
    '/api',
    asyncStep(async (req, res) => {
      const ctx = req.ctx as ConsoleContext;
      const session = sessions.get(cookieValue(req, SESSION_COOKIE), idleOf(ctx));
      const user = session && ctx.users.find((u) => u.name === session.user);
      if (!session || !user) {
        if (session) sessions.destroy(session.id);
        throw new ServiceError(401, 'not logged in, or the session timed out: log in again');
      }
      // A password changed (or a user removed and re-added) in the editor ends the user's sessions:
      // whoever knew the old password must not stay logged in with it.
      if (user.hash !== session.credential) {
        sessions.destroy(session.id);
        audit(ctx, 'logout', user.name, { reason: 'password changed', client: session.client });
        throw new ServiceError(401, 'your password was changed: log in again with the new one');
      }
      if (req.method !== 'GET' && req.method !== 'HEAD' && !csrfMatches(session.csrfToken, req.get('x-csrf-token'))) {
        throw new ServiceError(403, 'missing or wrong X-CSRF-Token header: use the csrfToken from login (or GET /api/me)');
      }
      req.session = session;
      req.user = { name: user.name, roles: [...user.roles] };
    }),
  );

  // -- API: session ---------------------------------------------------------------------------
  router.post(
    '/api/logout',
    asyncRoute((req, res) => {
      const ctx = req.ctx as ConsoleContext;
      sessions.destroy((req.session as Session).id);
      res.setHeader('Set-Cookie', sessionCookie(req, '', true));
      audit(ctx, 'logout', (req.user as UserRef).name, { client: clientOf(req) });
      res.json({ ok: true });
    }),
  );

  router.get(
    '/api/me',
    asyncRoute((req, res) => {
      const ctx = req.ctx as ConsoleContext;
      const user = req.user as UserRef;
      res.json({
        user: user.name,
        roles: user.roles,
        csrfToken: (req.session as Session).csrfToken,
        plant: ctx.plant ?? ctx.model?.plant ?? null,
        idleTimeoutMs: idleOf(ctx),
        services: {
          alarms: !!ctx.hub.service('alarms'),
          reason: !!ctx.hub.service('reason'),
          approval: !!ctx.hub.service('approval'),
          audit: !!ctx.hub.audit,
        },
        display: ctx.display ?? {},
      });
    }),
  );

  // -- API: alarms ----------------------------------------------------------------------------
  router.get(
    '/api/alarms',
    asyncRoute((req, res) => {
      res.json({ alarms: sortAlarms(service(req.ctx as ConsoleContext, 'alarms').list()) });
    }),
  );

  const alarmCommand = (command: AlarmCommandName, parse: (body: unknown) => { minutes?: number; reason?: string }) =>
    asyncRoute((req, res) => {
      const user = req.user as UserRef;
      const body = parse(req.body ?? {});
      requireActor(user);
      const alarms = service(req.ctx as ConsoleContext, 'alarms');
      const alarm = alarms.command({ command, alarmId: String(req.params.id), user: user.name, ...body });
      res.json({ alarm });
    });
  router.post('/api/alarms/:id/ack', alarmCommand('ack', (b) => ackBody.parse(b)));
  router.post('/api/alarms/:id/shelve', alarmCommand('shelve', (b) => shelveBody.parse(b)));
  router.post('/api/alarms/:id/unshelve', alarmCommand('unshelve', (b) => ackBody.parse(b)));
  // Extensions: reset a latched alarm; take an alarm out of service and back (supervisor or engineer).
  router.post('/api/alarms/:id/reset', alarmCommand('reset', (b) => ackBody.parse(b)));
  router.post('/api/alarms/:id/out-of-service', requireRole(['supervisor', 'engineer']), alarmCommand('out-of-service', (b) => oosBody.parse(b)));
  router.post('/api/alarms/:id/return-to-service', requireRole(['supervisor', 'engineer']), alarmCommand('return-to-service', (b) => ackBody.parse(b)));

  router.get(
    '/api/kpis',
    asyncRoute((req, res) => {
      res.json(service(req.ctx as ConsoleContext, 'alarms').kpis());
    }),
  );

  // -- API: incidents -------------------------------------------------------------------------
  router.get(
    '/api/incidents',
    asyncRoute((req, res) => {
      const list = [...service(req.ctx as ConsoleContext, 'reason').incidents()].sort((a, b) => b.openedAt - a.openedAt);
      res.json({ incidents: list });
    }),
  );
  router.post(
    '/api/incidents/:id/ask',
    asyncRoute(async (req, res) => {
      const { question } = askBody.parse(req.body ?? {});
      const reason = service(req.ctx as ConsoleContext, 'reason');
      res.json(await reason.ask(String(req.params.id), question, req.user as UserRef));
    }),
  );
  router.post(
    '/api/incidents/:id/feedback',
    asyncRoute((req, res) => {
      const fb = feedbackBody.parse(req.body ?? {});
      requireActor(req.user as UserRef);
      const incident = service(req.ctx as ConsoleContext, 'reason').feedback(String(req.params.id), fb, req.user as UserRef);
      res.json({ incident });
    }),
  );

  // -- API: proposals -------------------------------------------------------------------------
  router.get(
    '/api/proposals',
    asyncRoute((req, res) => {
      const { state } = proposalQuery.parse(req.query);
      const list = [...service(req.ctx as ConsoleContext, 'approval').list(state as ProposalState | undefined)].sort(
        (a, b) => (b.createdAt ?? b.updatedAt) - (a.createdAt ?? a.updatedAt),
      );
      res.json({ proposals: list });
    }),
  );
  router.get(
    '/api/proposals/:id',
    asyncRoute((req, res) => {
      const p = service(req.ctx as ConsoleContext, 'approval').get(String(req.params.id));
      if (!p) throw new ServiceError(404, `no proposal ${req.params.id}`);
      res.json({ proposal: p });
    }),
  );
  router.post(
    '/api/proposals/:id/select',
    asyncRoute((req, res) => {
      emptyBody.parse(req.body ?? {});
      requireActor(req.user as UserRef);
      res.json({ proposal: service(req.ctx as ConsoleContext, 'approval').select(String(req.params.id), req.user as UserRef) });
    }),
  );
  router.post(
    '/api/proposals/:id/approve',
    asyncRoute((req, res) => {
      const edit = approveBody.parse(req.body ?? {});
      requireActor(req.user as UserRef);
      res.json({ proposal: service(req.ctx as ConsoleContext, 'approval').approve(String(req.params.id), req.user as UserRef, edit) });
    }),
  );
  router.post(
    '/api/proposals/:id/reject',
    asyncRoute((req, res) => {
      const { reason } = rejectBody.parse(req.body ?? {});
      requireActor(req.user as UserRef);
      res.json({ proposal: service(req.ctx as ConsoleContext, 'approval').reject(String(req.params.id), req.user as UserRef, reason) });
    }),
  );

  // -- API: trend (the proposal card's small trend) ---------------------------------------------
  router.get(
    '/api/trend/:tag',
    asyncRoute((req, res) => {
      const ctx = req.ctx as ConsoleContext;
      const tag = String(req.params.tag);
      const { minutes = 10 } = trendQuery.parse(req.query);
      const spec = ctx.model?.tagsByName.get(tag);
      if (ctx.model && !spec) throw new ServiceError(404, `${tag} is not a tag of plant "${ctx.model.plant}"`);
      if (!ctx.live) throw new ServiceError(503, 'live values are not available (no plant model loaded)');
      const current = ctx.live.get(tag);
      res.json({
        tag,
        unit: spec?.unit ?? null,
        range: spec?.range ?? null,
        normal: Array.isArray(spec?.normal) ? spec?.normal : null,
        limits: spec?.writable ? { min: spec.writable.min, max: spec.writable.max } : null,
        current: current ?? null,
        points: ctx.live.trend(tag, now() - minutes * 60_000),
      });
    }),
  );

  // -- API: audit -----------------------------------------------------------------------------
  router.get(
    '/api/audit',
    asyncRoute((req, res) => {
      const ctx = req.ctx as ConsoleContext;
      const q = auditQuery.parse(req.query);
      if (!ctx.hub.audit) throw new ServiceError(503, 'the audit log is not available for this plant');
      if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw new ServiceError(400, 'from is after to');
      res.json({ records: ctx.hub.audit.query({ from: q.from, to: q.to, kind: q.kind, limit: q.limit ?? 500 }) });
    }),
  );

  // -- API: live events (server-sent events) ----------------------------------------------------
  router.get(
    '/api/events',
    asyncRoute((req, res) => {
      const session = req.session as Session;
      let perSession = 0;
      for (const s of streams.values()) if (s === session.id) perSession++;
      if (streams.size >= MAX_STREAMS || perSession >= MAX_STREAMS_PER_SESSION) {
        throw new ServiceError(429, 'too many open live-update streams: close other console tabs');
      }
      let hub = (req.ctx as ConsoleContext).hub;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      let open = true;
      const send = (event: string, data: unknown) => {
        if (!open) return;
        if (res.writableLength > MAX_STREAM_BUFFER) return end();
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const listener = (e: HubEvent) => send(e.type, e.payload);
      let off = hub.on(listener);
      const check = async () => {
        try {
          const ctx = await opts.context();
          const live = sessions.get(session.id, idleOf(ctx), false);
          if (!live || !ctx.users.some((u) => u.name === session.user && u.hash === session.credential)) {
            send('logout', { reason: 'session ended' });
            return end();
          }
          if (ctx.hub !== hub) {
            // The plant was redeployed: follow the new hub and tell the page to reload its lists.
            off();
            hub = ctx.hub;
            off = hub.on(listener);
            send('reset', { reason: 'plant redeployed' });
          }
        } catch {
          send('reset', { reason: 'console not deployed' });
        }
        if (open) res.write(': keep-alive\n\n');
      };
      const timer = setInterval(() => void check(), heartbeatMs);
      const end = () => {
        if (!open) return;
        open = false;
        clearInterval(timer);
        off();
        streams.delete(end);
        res.end();
      };
      streams.set(end, session.id);
      req.on('close', end);
      res.on('error', end);
      res.write('retry: 3000\n\n');
      send('hello', { user: session.user, at: now() });
    }),
  );
  router.use('/api', (_req, _res, next) => next(new ServiceError(404, 'no such console API call: see the API table in the README')));

  // Errors as JSON {error} with the right status, for the API only.
  router.use('/api', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const h = toHttpError(err);
    if (h.status >= 500 && h.status !== 503) opts.log?.warn(`console API: ${h.error}`);
    res.status(h.status).json({ error: h.error });
  });

  router.close = () => {
    clearInterval(sweeper);
    for (const end of [...streams.keys()]) end();
  };
  return router;
}
