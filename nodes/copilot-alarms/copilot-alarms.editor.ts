// Editor for copilot-alarms: the plant, the summary interval and the flood/chatter settings
// (EEMUA 191 defaults); empty numeric fields mean "default".
(function () {
  const positiveOrEmpty = (v: unknown) => v === '' || v === undefined || (Number.isFinite(Number(v)) && Number(v) > 0);

  RED.nodes.registerType('copilot-alarms', {
    category: 'operator copilot',
    color: '#F3B567',
    defaults: {
      name: { value: '' },
      plant: { value: '', type: 'copilot-plant', required: true },
      summaryInterval: { value: 60, validate: positiveOrEmpty },
      floodStart: { value: 10, validate: positiveOrEmpty },
      floodEnd: { value: 5, validate: positiveOrEmpty },
      floodWindow: { value: 10, validate: positiveOrEmpty },
      chatterCount: { value: 3, validate: (v: unknown) => v === '' || (Number.isInteger(Number(v)) && Number(v) >= 2) },
      chatterWindow: { value: 60, validate: positiveOrEmpty },
      firstOutQuiet: { value: 10, validate: positiveOrEmpty },
      staleHours: { value: 24, validate: positiveOrEmpty },
      maxShelve: { value: 12, validate: positiveOrEmpty },
    },
    inputs: 1,
    outputs: 2,
    icon: 'font-awesome/fa-bell',
    inputLabels: 'tag samples, alarm commands',
    outputLabels: ['alarm events (one per state change)', 'summary, KPIs, floods, chatter'],
    label: function () {
      return this.name || 'alarms';
    },
    paletteLabel: 'alarms',
  });
})();
