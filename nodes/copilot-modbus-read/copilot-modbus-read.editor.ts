// Editor for copilot-modbus-read: plant, connection, poll and full-refresh intervals, output mode, gap.
RED.nodes.registerType('copilot-modbus-read', {
  category: 'operator copilot',
  color: '#d8e5f0',
  defaults: {
    name: { value: '' },
    plant: { value: '', type: 'copilot-plant', required: true },
    connection: { value: '', type: 'copilot-modbus', required: true },
    interval: { value: 1, validate: (v: unknown) => Number(v) >= 0.01 },
    fullRefresh: { value: 60, validate: (v: unknown) => Number(v) >= 0 },
    output: { value: 'batch' },
    maxGap: { value: 10, validate: (v: unknown) => Number(v) >= 0 && Number(v) <= 124 },
  },
  inputs: 1,
  outputs: 1,
  icon: 'font-awesome/fa-download',
  label: function () {
    return this.name || 'modbus read';
  },
  paletteLabel: 'modbus read',
  inputLabels: 'poll now (full refresh)',
  outputLabels: 'tag samples',
});
