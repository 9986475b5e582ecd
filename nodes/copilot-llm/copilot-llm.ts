// copilot-llm: the LLM provider for copilot-reason (none / Ollama / any OpenAI-compatible server
// / Anthropic, through LangChain), its model, limits and API key (in credentials). It only
// holds the configuration and the LangChain client; it never talks to the plant.
import type { NodeAPI, NodeDef } from 'node-red';
import { createAdvisor, settingsFromConfig, type LlmHandle } from '../lib/llm';
import type { Node } from '../shared/types';
import { errorText } from '../shared/status';

interface LlmDef extends NodeDef {
  provider: string;
  model: string;
  baseUrl: string;
  temperature: string | number;
  timeout: string | number;
  maxTokens: string | number;
  callsPerMinute: string | number;
  tokenBudget: string | number;
}

type LlmConfigNode = Node & LlmHandle;

export = function (RED: NodeAPI) {
  function LlmNode(this: LlmConfigNode, config: LlmDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const creds = (node as unknown as { credentials?: { apiKey?: string } }).credentials ?? {};
    const { settings, problem } = settingsFromConfig(config, creds.apiKey || undefined);
    node.settings = settings;
    node.problem = problem;
    if (problem) node.error(`LLM configuration: ${problem}. The reasoning node uses its knowledge base only.`);
    else if (settings) {
      try {
        node.advisor = createAdvisor(settings);
      } catch (e) {
        node.problem = `cannot create the ${settings.provider} client: ${errorText(e)}`;
        node.error(`LLM configuration: ${node.problem}. The reasoning node uses its knowledge base only.`);
      }
    }
  }

  RED.nodes.registerType('copilot-llm', LlmNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { apiKey: { type: 'password' } },
  } as never);
};
