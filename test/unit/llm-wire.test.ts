// The real LangChain clients (ChatOpenAI, ChatOllama) against a local server speaking the
// OpenAI chat-completions and Ollama /api/chat wire formats: tool calls, structured answers,
// a slow answer (timeout), an HTTP error and a garbage body all end well.
import { LiveValueTable } from '../../nodes/lib/plant';
import { demoModel } from '../helpers/plant';
import type { Suggestion } from '../../nodes/lib/contracts';
import { alarmEventOf, Reasoner } from '../../nodes/lib/reasoning';
import { createAdvisor, DEFAULT_LLM_SETTINGS, type Provider } from '../../nodes/lib/llm';
import { createChatModel } from '../../nodes/lib/llm/providers';
import { hasToolResult, lastUser, startFakeLlmServer, type FakeLlmServer } from '../helpers/fake-llm-server';
import { until } from '../helpers/wait';

const demo = demoModel();
const TRIP: Record<string, number | boolean> = { 'P-301.RUN': false, 'FT-301': 3, 'PT-301': 1, 'TT-201': 88, 'FIC-101.SP': 9, 'P-101.RUN': true, 'PT-201': 2.4 };
const ANSWER = JSON.stringify({ summary: 'P-301 tripped: FT-301 is 3 m3/h and PT-301 1 barg. Start P-302.', hypotheses: [{ cause: 'cw-pump-trip', rationale: 'P-301.RUN false' }] });

let server: FakeLlmServer;
let reasoners: Reasoner[] = [];
beforeAll(async () => {
  server = await startFakeLlmServer(() => ({ content: ANSWER }));
});
afterAll(() => server.close());
afterEach(() => {
  for (const r of reasoners) r.close();
  reasoners = [];
  server.requests.length = 0;
  server.delayMs = 0;
});

function start(provider: Provider, timeoutMs = 5000) {
  const live = new LiveValueTable();
  for (const [t, v] of Object.entries(TRIP)) live.update(t, { value: v, quality: 'good', timestamp: Date.now() });
  const advisor = createAdvisor({ ...DEFAULT_LLM_SETTINGS, provider, model: 'test-model', baseUrl: provider === 'openai' ? `${server.url}/v1` : server.url, apiKey: 'sk-test', timeoutMs })!;
  const out: Suggestion[] = [];
  const r = new Reasoner(demo, live, { suggestion: (s) => out.push(s), incident: () => undefined }, { refreshMs: 0 }, advisor);
  reasoners.push(r);
  r.onAlarm(alarmEventOf(demo, { tag: 'P-301.RUN', type: 'DISCRETE', state: 'UNACK' }, undefined, Date.now()).event!);
  return { r, out };
}

describe.each(['openai', 'ollama'] as const)('%s wire format', (provider) => {
  test('a tool call, its result, then the structured answer', async () => {
    server.script = (messages) => (hasToolResult(messages) ? { content: ANSWER } : { toolCalls: [{ name: 'tag_trend', args: { tag: 'TT-201' } }] });
    const { out } = start(provider);
    await until('the suggestion after the LLM call', () => out.length === 2, 8000);
    expect(out[1].reasoner).toBe(`llm:${provider}/test-model`);
    expect(out[1].summary).toMatch(/^P-301 tripped/);
    expect(server.requests).toHaveLength(2);
    const first = server.requests[0].body;
    expect(first.model).toBe('test-model');
    expect(JSON.stringify(first.tools)).toContain('tag_trend');
    expect(lastUser(first.messages as never)).toContain('"P-301.RUN:DISCRETE"');
    const second = server.requests[1].body.messages as Array<{ role: string; content: string }>;
    const toolMsg = second.find((m) => m.role === 'tool')!;
    expect(toolMsg.content).toContain('88');
  });

  test('a slow answer times out: knowledge-base fallback, and the node keeps working', async () => {
    server.script = () => ({ content: ANSWER });
    server.delayMs = 3000;
    const { r, out } = start(provider, 300);
    await until('the suggestion after the LLM call', () => out.length === 2, 8000);
    expect(out[1].reasoner).toMatch(new RegExp(`^knowledge-base \\(fallback: llm:${provider}/test-model timed out`));
    expect(r.stats.llmFailures).toBe(1);
  });

  test('an HTTP 500 falls back and says so', async () => {
    server.script = () => ({ status: 500, body: JSON.stringify({ error: { message: 'model exploded' } }) });
    const { out } = start(provider);
    await until('the suggestion after the LLM call', () => out.length === 2, 8000);
    expect(out[1].reasoner).toMatch(new RegExp(`^knowledge-base \\(fallback: llm:${provider}/test-model failed: `));
  });

  test('a garbage body falls back', async () => {
    server.script = () => ({ garbage: '<html>502 Bad Gateway</html>' });
    const { out } = start(provider);
    await until('the suggestion after the LLM call', () => out.length === 2, 8000);
    expect(out[1].reasoner).toMatch(/^knowledge-base \(fallback: /);
    expect(out[1].proposals.every((p) => p.reasoner === 'knowledge-base')).toBe(true);
  });

  test('a follow-up question over the wire', async () => {
    server.script = (messages) => (lastUser(messages).includes('The operator asks') ? { content: 'PT-301 is 1 barg: P-301 is not running.' } : { content: ANSWER });
    const { r, out } = start(provider);
    await until('the suggestion after the LLM call', () => out.length === 2, 8000);
    const a = await r.ask(r.incidents()[0].id, 'Why is PT-301 low?');
    expect(a).toEqual({ answer: 'PT-301 is 1 barg: P-301 is not running.', reasoner: `llm:${provider}/test-model` });
  });
});

describe('OpenAI-compatible API key', () => {
  const saved = process.env.OPENAI_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
  });
  const ask = async (apiKey?: string) => {
    const model = createChatModel({ ...DEFAULT_LLM_SETTINGS, provider: 'openai', model: 'test-model', baseUrl: `${server.url}/v1`, apiKey, timeoutMs: 5000 });
    await model.invoke('hello');
    return server.requests[server.requests.length - 1].authorization;
  };
  test("the node's credential wins; else OPENAI_API_KEY from the environment; else a placeholder for local servers", async () => {
    process.env.OPENAI_API_KEY = 'sk-from-env';
    expect(await ask('sk-credential')).toBe('Bearer sk-credential');
    expect(await ask(undefined)).toBe('Bearer sk-from-env');
    delete process.env.OPENAI_API_KEY;
    expect(await ask(undefined)).toBe('Bearer not-needed');
  });
});
