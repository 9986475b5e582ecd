// The simulator's fault API (DESIGN §7), on loopback only:
//   GET /state          -> {time, tags: {TAG: value}, faults: [...]}
//   GET /faults         -> {available: [{type, target, description, cause}], active: [...]}
//   POST /faults        {type, target, value?} -> 201 {id}; 400 bad body; 404 no such fault
//   DELETE /faults/:id  -> 200 {cleared: id}; 404 unknown id
//   DELETE /faults      -> 200 {cleared: n}
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { describeZodError } from '../nodes/lib/messages';
import { FAULT_CATALOGUE, FAULT_TARGETS, faultRequestSchema } from './faults';
import type { ReactorProcess } from './reactor';

export interface RunningHttpApi {
  port: number;
  stop(): Promise<void>;
}

const MAX_BODY = 16 * 1024;
// A body past MAX_BODY is read on (and dropped) so that the 413 answer reaches the client; past
// this much more the sender is not a fault-injecting script, and the socket is simply closed.
const MAX_DRAIN = 1024 * 1024;

class BodyTooLarge extends Error {}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_DRAIN) {
        reject(new BodyTooLarge());
        req.destroy();
      } else if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => (size > MAX_BODY ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

export async function startHttpApi(proc: ReactorProcess, opts: { port: number; host?: string }): Promise<RunningHttpApi> {
  const available = FAULT_CATALOGUE.map((f) => ({ type: f.type, target: f.target, description: f.description, cause: f.cause }));

  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'GET' && path === '/state') {
      return send(res, 200, { time: proc.time(), tags: proc.snapshot(), faults: proc.activeFaults() });
    }
    if (path === '/faults') {
      if (req.method === 'GET') return send(res, 200, { available, active: proc.activeFaults() });
      if (req.method === 'DELETE') return send(res, 200, { cleared: proc.clearAll() });
      if (req.method === 'POST') {
        let raw: unknown;
        try {
          const text = await readBody(req);
          raw = text.trim() ? JSON.parse(text) : undefined;
        } catch (e) {
          if (e instanceof BodyTooLarge) return send(res, 413, { error: `the body is larger than ${MAX_BODY / 1024} kB; a fault request is {"type": "pump-trip", "target": "P-301"}` });
          return send(res, 400, { error: `the body is not valid JSON: ${(e as Error).message}; send {"type": "pump-trip", "target": "P-301"}` });
        }
        const parsed = faultRequestSchema.safeParse(raw);
        if (!parsed.success) {
          return send(res, 400, {
            error: 'bad fault request: ' + describeZodError(parsed.error),
            issues: z.treeifyError(parsed.error),
          });
        }
        const fault = proc.inject(parsed.data);
        if (!fault) {
          const targets = FAULT_TARGETS[parsed.data.type];
          return send(res, 404, { error: `no fault ${parsed.data.type} on "${parsed.data.target}" in this plant; targets for ${parsed.data.type}: ${targets.join(', ')}` });
        }
        return send(res, 201, { id: fault.id, fault });
      }
      return send(res, 405, { error: `${req.method} is not allowed on /faults (GET, POST, DELETE)` });
    }
    const m = /^\/faults\/([^/]+)$/.exec(path);
    if (m) {
      if (req.method !== 'DELETE') return send(res, 405, { error: `${req.method} is not allowed on /faults/:id (DELETE)` });
      const id = decodeURIComponent(m[1]);
      return proc.clear(id) ? send(res, 200, { cleared: id }) : send(res, 404, { error: `no active fault with id "${id}"` });
    }
    return send(res, 404, { error: `no route ${req.method} ${path}; try GET /state, GET /faults, POST /faults, DELETE /faults[/:id]` });
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: (e as Error).message ?? String(e) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
