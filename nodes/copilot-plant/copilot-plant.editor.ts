// Editor for copilot-plant: file or inline model, with a live check that shows counts or errors.
RED.nodes.registerType('copilot-plant', {
  category: 'config',
  defaults: {
    name: { value: '' },
    source: { value: 'file', required: true },
    path: { value: 'plant.yaml' },
    inline: { value: '' },
    audit: { value: 'copilot-audit.db' },
  },
  label: function () {
    return this.name || (this.source === 'inline' ? 'inline plant model' : this.path) || 'plant model';
  },
  oneditprepare: function () {
    const self = this;
    self.editor = RED.editor.createEditor({ id: 'node-config-input-inline-editor', mode: 'yaml', value: self.inline || '' });
    const toggle = () => {
      const inline = $('#node-config-input-source').val() === 'inline';
      $('.copilot-plant-file').toggle(!inline);
      $('.copilot-plant-inline').toggle(inline);
    };
    $('#node-config-input-source').on('change', toggle);
    toggle();
    $('#copilot-plant-check').on('click', () => {
      const body = {
        name: $('#node-config-input-name').val(),
        source: $('#node-config-input-source').val(),
        path: $('#node-config-input-path').val(),
        inline: self.editor.getValue(),
      };
      const out = $('#copilot-plant-result');
      out.text('checking...');
      $.ajax({ url: 'copilot-plant/check', type: 'POST', contentType: 'application/json', data: JSON.stringify(body) })
        .done((r: { ok: boolean; plant?: string; tags?: number; alarms?: number; causes?: number; writable?: number; errors?: string[] }) => {
          if (r.ok) out.text(`"${r.plant}": ${r.tags} tags (${r.writable} writable), ${r.alarms} alarms, ${r.causes} causes`);
          else out.text((r.errors || []).join('\n'));
        })
        .fail((xhr: { status: number }) => out.text(`check failed (HTTP ${xhr.status})`));
    });
  },
  oneditsave: function () {
    this.inline = this.editor.getValue();
    this.editor.destroy();
    delete this.editor;
  },
  oneditcancel: function () {
    this.editor.destroy();
    delete this.editor;
  },
});
