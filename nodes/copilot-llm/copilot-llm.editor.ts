// Editor for copilot-llm: provider, model, server URL, limits; the API key is a credential.
RED.nodes.registerType('copilot-llm', {
  category: 'config',
  defaults: {
    name: { value: '' },
    provider: { value: 'none', required: true },
    model: { value: '' },
    baseUrl: { value: '' },
    temperature: { value: 0.1, validate: (v: unknown) => v === '' || (Number(v) >= 0 && Number(v) <= 2) },
    timeout: { value: 20, validate: (v: unknown) => v === '' || Number(v) > 0 },
    maxTokens: { value: 800, validate: (v: unknown) => v === '' || Number(v) >= 50 },
    callsPerMinute: { value: 4, validate: (v: unknown) => v === '' || Number(v) >= 0 },
    tokenBudget: { value: 60000, validate: (v: unknown) => v === '' || Number(v) >= 0 },
  },
  credentials: { apiKey: { type: 'password' } },
  label: function () {
    return this.name || (this.provider === 'none' ? 'no LLM (knowledge base only)' : `${this.provider}/${this.model}`);
  },
  oneditprepare: function () {
    const hints: Record<string, string> = {
      none: 'No LLM: the knowledge-based reasoner answers alone.',
      ollama: 'Local Ollama, e.g. http://127.0.0.1:11434 (default). Model e.g. llama3.1:8b or qwen2.5:7b.',
      openai: 'OpenAI or any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, Azure): base URL ending in /v1. The key may be empty for local servers.',
      anthropic: 'Anthropic API; needs the API key. Model e.g. claude-sonnet-4-5.',
    };
    const toggle = () => {
      const p = $('#node-config-input-provider').val() as string;
      $('.copilot-llm-remote').toggle(p !== 'none');
      $('#copilot-llm-hint').text(hints[p] || '');
    };
    $('#node-config-input-provider').on('change', toggle);
    toggle();
  },
});
