// Editor for copilot-write: the plant, the optional ramp, and device timeouts.
RED.nodes.registerType('copilot-write', {
  category: 'operator copilot',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    plant: { value: '', type: 'copilot-plant', required: true },
    ramp: { value: false },
    rampInterval: { value: 5, validate: (v: unknown) => Number(v) >= 0 },
    timeout: { value: 10, required: true, validate: (v: unknown) => Number(v) >= 1 },
    maxAge: { value: 15, required: true, validate: (v: unknown) => Number(v) >= 1 },
  },
  inputs: 1,
  outputs: 1,
  icon: 'font-awesome/fa-pencil-square-o',
  align: 'right',
  inputLabels: 'approved writes (from copilot-approval)',
  outputLabels: 'write results',
  label: function () {
    return this.name || 'verified write';
  },
  paletteLabel: 'verified write',
  oneditprepare: function () {
    const toggle = () => $('.copilot-write-ramp').toggle($('#node-input-ramp').is(':checked'));
    $('#node-input-ramp').on('change', toggle);
    toggle();
  },
});
