// Editor for copilot-opcua-read: plant, connection, intervals and output mode.
RED.nodes.registerType('copilot-opcua-read', {
  category: 'operator copilot',
  color: '#a6bbcf',
  defaults: {
    name: { value: '' },
    plant: { value: '', type: 'copilot-plant', required: true },
    connection: { value: '', type: 'copilot-opcua', required: true },
    samplingInterval: { value: 500, required: true, validate: (v: string) => Number(v) >= 0 },
    publishingInterval: { value: 1000, required: true, validate: (v: string) => Number(v) >= 10 },
    refresh: { value: 10, required: true, validate: (v: string) => Number(v) >= 0 },
    output: { value: 'batch' },
    batchSize: { value: 1000, required: true, validate: (v: string) => Number.isInteger(Number(v)) && Number(v) >= 1 },
  },
  inputs: 1,
  outputs: 1,
  icon: 'font-awesome/fa-sitemap',
  label: function () {
    const c = this.connection ? RED.nodes.node(this.connection) : null;
    return this.name || (c && c.name ? `OPC UA read ${c.name}` : 'OPC UA read');
  },
  paletteLabel: 'opcua read',
  inputLabels: 'refresh request',
  outputLabels: 'tag samples',
});
