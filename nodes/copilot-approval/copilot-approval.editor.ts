// Editor for copilot-approval: the plant, the decision timing, and the token secret (credentials).
RED.nodes.registerType('copilot-approval', {
  category: 'operator copilot',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    plant: { value: '', type: 'copilot-plant', required: true },
    selectionTimeout: { value: 60, required: true, validate: (v: unknown) => Number(v) >= 5 },
    tokenTtl: { value: 60, required: true, validate: (v: unknown) => Number(v) >= 5 },
    maxPending: { value: 30, required: true, validate: (v: unknown) => Number(v) >= 1 },
    movePercent: { value: 1, required: true, validate: (v: unknown) => Number(v) >= 0 },
    maxAge: { value: 15, required: true, validate: (v: unknown) => Number(v) >= 1 },
    maxSteps: { value: 1, required: true, validate: (v: unknown) => Number.isInteger(Number(v)) && Number(v) >= 1 },
  },
  credentials: { secret: { type: 'password' } },
  inputs: 1,
  outputs: 3,
  icon: 'font-awesome/fa-check-square-o',
  inputLabels: 'proposals (copilot/proposal) and decisions (select, approve, reject)',
  outputLabels: ['approved writes (to copilot-write)', 'rejections', 'expiries and supersessions'],
  label: function () {
    return this.name || 'approval';
  },
  paletteLabel: 'approval',
});
