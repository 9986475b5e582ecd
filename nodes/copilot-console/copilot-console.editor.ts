// Editor for copilot-console: plant, users with roles (passwords hashed through the admin API
// before they are stored), environment users, idle timeout and display options.
(function () {
  const ROLES = ['operator', 'supervisor', 'engineer', 'viewer'];
  interface EditorUser {
    name: string;
    roles: string[];
    hash: string;
  }
  const ENV_REF = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

  /** Hashes on the server (scrypt is not available in browsers); sync only as a last resort on save. */
  function hashOnServer(password: string, sync: boolean, done: (hash: string | undefined, error?: string) => void): void {
    $.ajax({
      url: 'copilot-console/hash',
      type: 'POST',
      async: !sync,
      contentType: 'application/json',
      data: JSON.stringify({ password }),
    })
      .done((r: { hash: string }) => done(r.hash))
      .fail((xhr: { status: number; responseJSON?: { error?: string } }) => done(undefined, xhr.responseJSON?.error || `HTTP ${xhr.status}`));
  }

  RED.nodes.registerType('copilot-console', {
    category: 'config',
    defaults: {
      name: { value: '' },
      plant: { value: '', type: 'copilot-plant', required: true },
      idleMinutes: { value: 30, required: true, validate: (v: unknown) => Number(v) >= 1 && Number(v) <= 1440 },
      envUsers: { value: '' },
      envPassword: { value: '', validate: (v: string) => !v || ENV_REF.test(v) },
      title: { value: '' },
      showNormal: { value: false },
      textSize: { value: 'normal' },
    },
    credentials: {
      users: { type: 'text' },
    },
    label: function () {
      return this.name || 'operator console /copilot';
    },
    oneditprepare: function () {
      const list = $('#copilot-console-users');
      let initial: EditorUser[] = [];
      try {
        const text = (this.credentials && this.credentials.users) || $('#node-config-input-users').val();
        if (text) initial = JSON.parse(String(text));
      } catch {
        RED.notify('The stored console users could not be read; add them again.', 'warning');
      }
      list.editableList({
        addButton: 'add user',
        removable: true,
        height: 'auto',
        addItem: (row: any, _index: number, data: EditorUser) => {
          data.roles = data.roles || ['operator'];
          data.hash = data.hash || '';
          const name = $('<input type="text" placeholder="user name" style="width: 140px; margin-right: 8px;">').val(data.name || '').appendTo(row);
          const roles = $('<span style="margin-right: 8px;"></span>').appendTo(row);
          for (const role of ROLES) {
            const label = $('<label style="width: auto; margin-right: 6px;"></label>').appendTo(roles);
            $('<input type="checkbox" style="width: auto; margin: 0 3px 0 0;">')
              .attr('data-role', role)
              .prop('checked', data.roles.indexOf(role) >= 0)
              .appendTo(label);
            $('<span></span>').text(role).appendTo(label);
          }
          const pw = $('<input type="password" autocomplete="new-password" style="width: 140px;">')
            .attr('placeholder', data.hash ? 'unchanged' : 'set a password')
            .appendTo(row);
          const state = $('<span style="margin-left: 6px; color: var(--red-ui-secondary-text-color);"></span>')
            .text(data.hash ? 'password set' : 'no password yet')
            .appendTo(row);
          row.data('copilot', { name, roles, pw, state, user: data });
          pw.on('change', () => {
            const plain = String(pw.val() || '');
            if (!plain) return;
            state.text('hashing...');
            hashOnServer(plain, false, (hash, error) => {
              if (hash && pw.val() === plain) {
                data.hash = hash;
                pw.val('');
                pw.attr('placeholder', 'unchanged');
                state.text('password set (hashed)');
              } else if (!hash) state.text(`could not hash: ${error}`);
            });
          });
        },
      });
      for (const u of initial) list.editableList('addItem', u);
    },
    oneditsave: function () {
      const users: EditorUser[] = [];
      const problems: string[] = [];
      $('#copilot-console-users')
        .editableList('items')
        .each(function (this: unknown) {
          const d = $(this).data('copilot');
          const name = String(d.name.val() || '').trim();
          const roles: string[] = [];
          d.roles.find('input[type=checkbox]').each(function (this: unknown) {
            if ($(this).prop('checked')) roles.push(String($(this).attr('data-role')));
          });
          const plain = String(d.pw.val() || '');
          // The change event's hash may still be in flight when Done is clicked: hash now.
          if (plain) hashOnServer(plain, true, (hash, error) => (hash ? (d.user.hash = hash) : problems.push(`${name}: ${error}`)));
          if (!name) return;
          if (!d.user.hash) problems.push(`${name} has no password`);
          if (!roles.length) problems.push(`${name} has no role`);
          users.push({ name, roles, hash: d.user.hash });
        });
      $('#node-config-input-users').val(JSON.stringify(users));
      if (problems.length) RED.notify(`Console users: ${problems.join('; ')}. Such users cannot log in.`, 'warning');
    },
  });
})();
