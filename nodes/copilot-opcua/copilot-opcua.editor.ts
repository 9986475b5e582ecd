// Editor for copilot-opcua: endpoint, security, credentials, and a one-level-at-a-time browser
// that asks the runtime (POST copilot-opcua/browse) to list a node's children.
interface BrowseEntry {
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: string;
}

RED.nodes.registerType('copilot-opcua', {
  category: 'config',
  defaults: {
    name: { value: '', required: true },
    endpoint: { value: 'opc.tcp://localhost:4840', required: true, validate: (v: string) => /^opc\.tcp:\/\/\S+$/.test(v) },
    securityMode: { value: 'None' },
    securityPolicy: { value: 'None' },
    acceptUnknownCertificate: { value: false },
  },
  credentials: { user: { type: 'text' }, password: { type: 'password' } },
  label: function () {
    return this.name ? `${this.name} (${this.endpoint})` : this.endpoint || 'OPC UA endpoint';
  },
  oneditprepare: function () {
    const self = this;
    const mode = $('#node-config-input-securityMode');
    const policy = $('#node-config-input-securityPolicy');
    // Mode and policy go together: None with None, Sign/SignAndEncrypt with a real policy.
    mode.on('change', () => {
      if (mode.val() === 'None') policy.val('None');
      else if (policy.val() === 'None') policy.val('Basic256Sha256');
    });
    policy.on('change', () => {
      if (policy.val() === 'None') mode.val('None');
      else if (mode.val() === 'None') mode.val('SignAndEncrypt');
    });
    const out = $('#copilot-opcua-browse-result');
    const browse = (nodeId: string) => {
      $('#copilot-opcua-browse-node').val(nodeId);
      out.text('browsing...');
      const body = {
        id: self.id,
        endpoint: $('#node-config-input-endpoint').val(),
        securityMode: mode.val(),
        securityPolicy: policy.val(),
        acceptUnknownCertificate: $('#node-config-input-acceptUnknownCertificate').is(':checked'),
        user: $('#node-config-input-user').val(),
        password: $('#node-config-input-password').val(),
        nodeId,
      };
      $.ajax({ url: 'copilot-opcua/browse', type: 'POST', contentType: 'application/json', data: JSON.stringify(body) })
        .done((r: { ok: boolean; error?: string; children?: BrowseEntry[] }) => {
          out.empty();
          if (!r.ok) {
            out.text(r.error || 'browse failed');
            return;
          }
          if (nodeId !== 'ns=0;i=85') {
            const top = $('<div>').css({ cursor: 'pointer', padding: '1px 0' });
            top.append($('<i>').addClass('fa fa-level-up').css('margin-right', '4px'));
            top.append($('<span>').text('Objects'));
            top.on('click', () => browse('ns=0;i=85'));
            out.append(top);
          }
          if (!r.children || !r.children.length) out.append($('<div>').text('(no children)'));
          for (const c of r.children || []) {
            const row = $('<div>').css({ cursor: c.nodeClass === 'Variable' ? 'text' : 'pointer', padding: '1px 0' });
            const icon = c.nodeClass === 'Variable' ? 'fa-tag' : 'fa-folder-o';
            row.append($('<i>').addClass(`fa ${icon}`).css('margin-right', '4px'));
            row.append($('<span>').text(`${c.displayName}  `));
            row.append($('<code>').text(c.nodeId));
            if (c.nodeClass !== 'Variable') row.on('click', () => browse(c.nodeId));
            out.append(row);
          }
        })
        .fail((xhr: { status: number; responseJSON?: { error?: string } }) => out.text(xhr.responseJSON?.error || `browse failed (HTTP ${xhr.status})`));
    };
    $('#copilot-opcua-browse').on('click', () => browse(String($('#copilot-opcua-browse-node').val() || 'ns=0;i=85')));
  },
});
