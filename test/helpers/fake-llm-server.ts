// A small local LLM server speaking the OpenAI chat-completions and the Ollama /api/chat wire
// formats, so the real LangChain clients (ChatOpenAI, ChatOllama) run against it: requests,
// tool calls, tool results, timeouts and errors all go over HTTP. Port 0 (the OS picks).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WireMessage {
  role: string;
  content: string | null;
  tool_calls?: unknown[];
  tool_call_id?: string;
}

/** What the fake model does with one request. */
export type Reply =
  | { content: string }
  | { toolCalls: Array<{ name: string; args: Record<string, unknown> }> }
  | { status: number; body: string }
  | { garbage: string };

export type Script = (messages: WireMessage[], api: 'openai' | 'ollama', body: Record<string, unknown>) => Reply;

export interface FakeLlmServer {
  url: string;
  /** Requests received, in order. */
  requests: Array<{ api: 'openai' | 'ollama'; body: Record<string, unknown>; authorization?: string }>;
  script: Script;
  /** Milliseconds before each answer (a slow model). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startFakeLlmServer(script: Script): Promise<FakeLlmServer> {
  const sockets = new Set<import('node:net').Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state: FakeLlmServer = {
    url: '',
    requests: [],
    script,
    delayMs: 0,
    close: async () => undefined,
  };
  let seq = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const api = req.url?.startsWith('/api/chat') ? 'ollama' : req.url?.includes('/chat/completions') ? 'openai' : undefined;
      if (!api) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no route ${req.method} ${req.url}` }));
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end('bad json');
        return;
      }
      state.requests.push({ api, body, authorization: req.headers.authorization });
      const messages = (body.messages ?? []) as WireMessage[];
      const reply = state.script(messages, api, body);
      const send = () => {
        timers.delete(timer);
        if (res.destroyed) return;
        if ('status' in reply) return void res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
        if ('garbage' in reply) return void res.writeHead(200, { 'content-type': 'application/json' }).end(reply.garbage);
        const id = `call_${++seq}`;
        if (api === 'openai') {
          const message: Record<string, unknown> = { role: 'assistant', content: 'content' in reply ? reply.content : null };
          if ('toolCalls' in reply) message.tool_calls = reply.toolCalls.map((c, i) => ({ id: `${id}_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }));
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              id: `chatcmpl-${seq}`,
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model: body.model,
              choices: [{ index: 0, message, finish_reason: 'toolCalls' in reply ? 'tool_calls' : 'stop' }],
              usage: { prompt_tokens: 500, completion_tokens: 100, total_tokens: 600 },
            }),
          );
        } else {
          // Ollama streams newline-delimited JSON: the message, then a final "done" record.
          const message: Record<string, unknown> = { role: 'assistant', content: 'content' in reply ? reply.content : '' };
          if ('toolCalls' in reply) message.tool_calls = reply.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.args } }));
          const at = new Date().toISOString();
          res.writeHead(200, { 'content-type': 'application/x-ndjson' });
          res.write(JSON.stringify({ model: body.model, created_at: at, message, done: false }) + '\n');
          res.end(JSON.stringify({ model: body.model, created_at: at, message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 500, eval_count: 100 }) + '\n');
        }
      };
      const timer = setTimeout(send, state.delayMs);
      timers.add(timer);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** The text of the last user message (where the DATA block is). */
export function lastUser(messages: WireMessage[]): string {
  const m = [...messages].reverse().find((x) => x.role === 'user');
  return typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? '');
}

/** Whether the conversation already carries a tool result. */
export function hasToolResult(messages: WireMessage[]): boolean {
  return messages.some((m) => m.role === 'tool');
}
