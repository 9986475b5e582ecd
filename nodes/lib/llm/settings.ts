// The copilot-llm node's settings, validated: every field has a default and a range, and a
// configuration that cannot work says why in words (the reasoning node then runs without LLM).
import { numberSetting } from '../settings';
import { DEFAULT_LLM_SETTINGS, PROVIDERS, type LlmSettings, type Provider } from './types';

export interface LlmConfigFields {
  provider?: string;
  model?: string;
  baseUrl?: string;
  temperature?: string | number;
  timeout?: string | number;
  maxTokens?: string | number;
  callsPerMinute?: string | number;
  tokenBudget?: string | number;
}

export function settingsFromConfig(c: LlmConfigFields, apiKey?: string): { settings?: LlmSettings; problem?: string } {
  const provider = (c.provider || 'none') as Provider;
  if (!PROVIDERS.includes(provider)) return { problem: `unknown provider "${c.provider}": choose ${PROVIDERS.join(', ')}` };
  if (provider !== 'none' && !String(c.model ?? '').trim()) return { problem: `provider ${provider} needs a model name (e.g. ${provider === 'ollama' ? 'llama3.1:8b' : provider === 'anthropic' ? 'claude-sonnet-4-5' : 'gpt-4o-mini'})` };
  if (provider === 'anthropic' && !apiKey) return { problem: 'Anthropic needs an API key (in the node\'s credentials)' };
  if (c.baseUrl && !/^https?:\/\/[^\s]+$/.test(String(c.baseUrl))) return { problem: `base URL "${c.baseUrl}" must start with http:// or https://` };
  return {
    settings: {
      provider,
      model: String(c.model ?? '').trim(),
      ...(c.baseUrl ? { baseUrl: String(c.baseUrl).replace(/\/+$/, '') } : {}),
      ...(apiKey ? { apiKey } : {}),
      temperature: numberSetting(c.temperature, DEFAULT_LLM_SETTINGS.temperature, 0, 2),
      timeoutMs: numberSetting(c.timeout, DEFAULT_LLM_SETTINGS.timeoutMs / 1000, 1, 600) * 1000,
      maxTokens: Math.round(numberSetting(c.maxTokens, DEFAULT_LLM_SETTINGS.maxTokens, 50, 32000)),
      callsPerMinute: numberSetting(c.callsPerMinute, DEFAULT_LLM_SETTINGS.callsPerMinute, 0, 600),
      tokenBudgetPerHour: Math.round(numberSetting(c.tokenBudget, DEFAULT_LLM_SETTINGS.tokenBudgetPerHour, 0, 1e9)),
    },
  };
}

