// copilot-llm settings: defaults, ranges, and configurations that cannot work said in words.
import { createAdvisor, settingsFromConfig } from '../../nodes/lib/llm';

describe('copilot-llm settings', () => {
  test('defaults fill empty fields; numbers are clamped to sane ranges', () => {
    const { settings } = settingsFromConfig({ provider: 'ollama', model: 'llama3.1:8b', temperature: '', timeout: '', maxTokens: 5, callsPerMinute: -3 });
    expect(settings).toEqual({ provider: 'ollama', model: 'llama3.1:8b', temperature: 0.1, timeoutMs: 20_000, maxTokens: 50, callsPerMinute: 0, tokenBudgetPerHour: 60_000 });
  });

  test('"none" (or nothing) needs no model and creates no client', () => {
    const { settings, problem } = settingsFromConfig({});
    expect(problem).toBeUndefined();
    expect(settings!.provider).toBe('none');
    expect(createAdvisor(settings!)).toBeUndefined();
  });

  test.each([
    [{ provider: 'gemini', model: 'x' }, 'unknown provider "gemini": choose none, ollama, openai, anthropic'],
    [{ provider: 'openai', model: ' ' }, 'provider openai needs a model name (e.g. gpt-4o-mini)'],
    [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }, "Anthropic needs an API key (in the node's credentials)"],
    [{ provider: 'ollama', model: 'm', baseUrl: 'localhost:11434' }, 'base URL "localhost:11434" must start with http:// or https://'],
  ])('%j is refused: %s', (config, problem) => {
    expect(settingsFromConfig(config).problem).toBe(problem);
  });

  test('each provider gets its LangChain client, labelled llm:<provider>/<model>', () => {
    for (const provider of ['ollama', 'openai', 'anthropic'] as const) {
      const { settings } = settingsFromConfig({ provider, model: 'm1', baseUrl: 'http://127.0.0.1:9/v1/' }, 'key');
      expect(settings!.baseUrl).toBe('http://127.0.0.1:9/v1');
      expect(createAdvisor(settings!)!.label).toBe(`llm:${provider}/m1`);
    }
  });
});
