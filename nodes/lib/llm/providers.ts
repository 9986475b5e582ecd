// LangChain chat models for each provider. Loaded on demand: a plant without an LLM never
// loads the provider packages. Retries are off: the reasoning node has its own timeout and
// falls back to the knowledge-based suggestion rather than waiting.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { LlmSettings } from './types';
import { LangChainAdvisor } from './advisor';

export function createChatModel(s: LlmSettings): BaseChatModel {
  switch (s.provider) {
    case 'openai': {
      const { ChatOpenAI } = require('@langchain/openai') as typeof import('@langchain/openai');
      return new ChatOpenAI({
        model: s.model,
        temperature: s.temperature,
        maxTokens: s.maxTokens,
        timeout: s.timeoutMs,
        maxRetries: 0,
        // The node's credential, else OPENAI_API_KEY from Node-RED's environment (LangChain's own
        // convention); local OpenAI-compatible servers (vLLM, llama.cpp, LM Studio) accept any key.
        apiKey: s.apiKey || process.env.OPENAI_API_KEY || 'not-needed',
        ...(s.baseUrl ? { configuration: { baseURL: s.baseUrl } } : {}),
      });
    }
    case 'ollama': {
      const { ChatOllama } = require('@langchain/ollama') as typeof import('@langchain/ollama');
      return new ChatOllama({ model: s.model, temperature: s.temperature, numPredict: s.maxTokens, baseUrl: s.baseUrl || 'http://127.0.0.1:11434', maxRetries: 0 });
    }
    case 'anthropic': {
      const { ChatAnthropic } = require('@langchain/anthropic') as typeof import('@langchain/anthropic');
      return new ChatAnthropic({
        model: s.model,
        temperature: s.temperature,
        maxTokens: s.maxTokens,
        maxRetries: 0,
        ...(s.apiKey ? { apiKey: s.apiKey } : {}),
        ...(s.baseUrl ? { anthropicApiUrl: s.baseUrl } : {}),
        clientOptions: { timeout: s.timeoutMs },
      });
    }
    default:
      throw new Error(`provider "${s.provider}" has no chat model`);
  }
}

/** The advisor for a copilot-llm configuration, or undefined for provider "none". */
export function createAdvisor(s: LlmSettings): LangChainAdvisor | undefined {
  if (s.provider === 'none') return undefined;
  return new LangChainAdvisor(s, createChatModel(s));
}
