// Editor for copilot-reason: the plant, an optional LLM, its budget overrides, proposal expiry
// and incident timing. Empty numeric fields mean "default".
(function () {
  const nonNegativeOrEmpty = (v: unknown) => v === '' || v === undefined || (Number.isFinite(Number(v)) && Number(v) >= 0);
  RED.nodes.registerType('copilot-reason', {
    category: 'operator copilot',
    color: '#F3B567',
    defaults: {
      name: { value: '' },
      plant: { value: '', type: 'copilot-plant', required: true },
      llm: { value: '', type: 'copilot-llm', required: false },
      callsPerMinute: { value: '', validate: nonNegativeOrEmpty },
      tokenBudget: { value: '', validate: nonNegativeOrEmpty },
      expiry: { value: 5, validate: nonNegativeOrEmpty },
      minInterval: { value: 2, validate: nonNegativeOrEmpty },
      refresh: { value: 5, validate: nonNegativeOrEmpty },
      groupWindow: { value: 10, validate: nonNegativeOrEmpty },
      settle: { value: 300, validate: nonNegativeOrEmpty },
    },
    inputs: 1,
    outputs: 2,
    icon: 'font-awesome/fa-lightbulb-o',
    inputLabels: 'alarm events; ask / feedback; tag samples',
    outputLabels: ['suggestions, answers, incidents', 'setpoint proposals (to copilot-approval)'],
    label: function () {
      return this.name || 'reason';
    },
    paletteLabel: 'reason',
  });
})();
