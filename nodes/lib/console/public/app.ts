// The operator console page: vanilla TypeScript, no framework, no CDN (plants are air-gapped).
// One namespace so nothing leaks into the global scope the editor scripts share at type-check
// time. Every server string reaches the page through textContent, never innerHTML: suggestion
// text may come from an LLM.
namespace CopilotConsole {
  // ---- the API's shapes: the server's own types (nodes/lib/contracts.ts). Type-only imports,
  // which the build's transpile erases, so the page stays a plain script without modules.
  type Alarm = import('../../contracts').AlarmEvent;
  type Incident = import('../../contracts').Incident;
  type Proposal = import('../../contracts').ProposalRecord;
  type AuditRecord = import('../../contracts').AuditRecord;
  type Suggestion = import('../../contracts').Suggestion;
  type WriteResult = import('../../contracts').WriteResult;
  type Value = import('../../plant/model').TagValue | null;
  interface Me {
    user: string;
    roles: string[];
    csrfToken: string;
    plant: string | null;
    display?: { title?: string; showNormal?: boolean; textSize?: string };
  }
  interface Trend {
    tag: string;
    unit: string | null;
    limits: { min: number; max: number } | null;
    points: Array<[number, number]>;
  }

  const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, medium: 2, low: 3 };
  const OPEN_STATES = ['pending', 'selected', 'approved'];

  /**
   * Stores a proposal record unless the page already holds a newer one. The answer to an approve
   * and the live event of the write that follows it race: a fast write's "written" event can
   * arrive first, and the older "approved" answer must not paint over it (the card then showed
   * "approved, writing…" until the next reload). Newer: a later update, or at the same
   * millisecond a decided state over an open one.
   */
  function keepNewer(p: Proposal): void {
    const held = state.proposals.get(p.id);
    const decided = (x: Proposal) => (OPEN_STATES.indexOf(x.state) >= 0 ? 0 : 1);
    if (held && (held.updatedAt > p.updatedAt || (held.updatedAt === p.updatedAt && decided(held) > decided(p)))) return;
    state.proposals.set(p.id, p);
  }
  const VERDICTS: Record<string, string> = {
    root_cause_identified: 'Root cause identified',
    ambiguous: 'Ambiguous: more than one cause fits',
    insufficient_evidence: 'Insufficient evidence',
  };

  // ---- state --------------------------------------------------------------------------------
  const state = {
    me: null as Me | null,
    alarms: new Map<string, Alarm>(),
    incidents: new Map<string, Incident>(),
    proposals: new Map<string, Proposal>(),
    kpis: {} as Record<string, unknown>,
    errors: {} as Record<string, string>,
    selectedIncident: null as string | null,
    showNormal: false,
    view: 'operate',
    drafts: {} as Record<string, string>,
    shelving: null as string | null,
    answers: {} as Record<string, { answer: string; reasoner: string }>,
    trends: new Map<string, { at: number; trend?: Trend; loading?: boolean }>(),
    events: null as EventSource | null,
    hadError: false,
  };

  // ---- small DOM helpers --------------------------------------------------------------------
  type Child = Node | string | number | null | undefined | false;
  function h(tag: string, attrs?: Record<string, string | number | boolean | null | undefined | EventListener> | null, ...children: Array<Child | Child[]>): HTMLElement {
    const el = document.createElement(tag);
    for (const k of Object.keys(attrs || {})) {
      const v = (attrs as Record<string, unknown>)[k];
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
    append(el, children);
    return el;
  }
  function append(el: Element, children: Array<Child | Child[]>): void {
    for (const c of children) {
      if (Array.isArray(c)) append(el, c);
      else if (c === null || c === undefined || c === false) continue;
      else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
  }
  const $ = (id: string) => document.getElementById(id) as HTMLElement;

  /** Replaces a container's content, keeping the focused control (and its caret) across re-renders. */
  function replace(container: HTMLElement, children: Array<Child | Child[]>): void {
    const active = document.activeElement as HTMLInputElement | null;
    const id = active && container.contains(active) ? active.id : '';
    const caret = id && typeof active?.selectionStart === 'number' ? active.selectionStart : null;
    container.textContent = '';
    append(container, children);
    if (id) {
      const again = document.getElementById(id) as HTMLInputElement | null;
      if (again) {
        again.focus();
        if (caret !== null && typeof again.setSelectionRange === 'function') {
          try {
            again.setSelectionRange(caret, caret);
          } catch {
            // number inputs do not support selection ranges
          }
        }
      }
    }
  }

  function time(ms: number | null | undefined): string {
    if (!ms) return '';
    const d = new Date(ms);
    const p = (n: number) => String(n).padStart(2, '0');
    const today = new Date().toDateString() === d.toDateString();
    return (today ? '' : `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} `) + `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }
  function fmt(v: Value | undefined, unit?: string | null): string {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'number') return `${Number(v.toPrecision(4))}${unit ? ' ' + unit : ''}`;
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return String(v);
  }
  function left(ms: number): string {
    if (ms <= 0) return 'expired';
    const s = Math.ceil(ms / 1000);
    const m = Math.floor(s / 60);
    return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min left` : `${m}:${String(s % 60).padStart(2, '0')} left`;
  }
  function words(key: string): string {
    return key
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([a-zA-Z])([0-9])/g, '$1 $2')
      .replace(/[_-]+/g, ' ')
      .toLowerCase()
      .replace(/^./, (c) => c.toUpperCase());
  }

  function toast(message: string, kind: 'error' | 'ok' = 'error'): void {
    const t = $('toast');
    t.textContent = message;
    t.className = `toast ${kind}`;
    t.hidden = false;
    window.clearTimeout((toast as unknown as { timer?: number }).timer);
    (toast as unknown as { timer?: number }).timer = window.setTimeout(() => (t.hidden = true), kind === 'error' ? 8000 : 3000);
  }
  function announce(message: string): void {
    $('announce').textContent = message;
  }

  // ---- API ----------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(
      readonly status: number,
      message: string,
    ) {
      super(message);
    }
  }
  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && state.me) headers['x-csrf-token'] = state.me.csrfToken;
    let res: Response;
    try {
      res = await fetch('api' + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'Node-RED does not answer: check the network or the server');
    }
    let json: unknown = null;
    try {
      json = await res.json();
    } catch {
      // an empty or non-JSON body; the status says enough
    }
    if (!res.ok) {
      const message = (json as { error?: string } | null)?.error || `HTTP ${res.status}`;
      if (res.status === 401 && path !== '/login') showLogin('Your session has ended: log in again.');
      throw new ApiError(res.status, message);
    }
    return json as T;
  }

  /** Runs an operator action: disables the button meanwhile, reports the server's message. */
  async function act(button: HTMLElement | null, work: () => Promise<unknown>, done?: string): Promise<boolean> {
    if (button) button.setAttribute('disabled', '');
    try {
      await work();
      if (done) toast(done, 'ok');
      return true;
    } catch (e) {
      toast((e as Error).message);
      return false;
    } finally {
      if (button) button.removeAttribute('disabled');
    }
  }

  // ---- loading ------------------------------------------------------------------------------
  async function loadSection<T>(key: string, path: string, apply: (v: T) => void): Promise<void> {
    try {
      apply(await api<T>('GET', path));
      delete state.errors[key];
    } catch (e) {
      if ((e as ApiError).status === 401) return;
      state.errors[key] = (e as Error).message;
    }
  }
  async function loadAll(): Promise<void> {
    await Promise.all([
      loadSection<{ alarms: Alarm[] }>('alarms', '/alarms', (r) => {
        state.alarms = new Map(r.alarms.map((a) => [a.id, a]));
      }),
      loadSection<{ incidents: Incident[] }>('incidents', '/incidents', (r) => {
        state.incidents = new Map(r.incidents.map((i) => [i.id, i]));
      }),
      loadSection<{ proposals: Proposal[] }>('proposals', '/proposals', (r) => {
        const held = state.proposals;
        state.proposals = new Map(r.proposals.map((p) => [p.id, p]));
        // An event that came in while this list was on its way may be newer than the list; a
        // proposal the list no longer has (a redeploy, a pruned old one) is gone, not restored.
        held.forEach((p) => state.proposals.has(p.id) && keepNewer(p));
      }),
      loadSection<Record<string, unknown>>('kpis', '/kpis', (r) => {
        state.kpis = r;
      }),
    ]);
    renderAll();
  }

  // ---- live updates -------------------------------------------------------------------------
  /** Collapses bursts (an alarm flood sends many events a second) into one render per section. */
  const pendingRenders: Array<() => void> = [];
  function schedule(render: () => void): void {
    if (pendingRenders.indexOf(render) >= 0) return;
    pendingRenders.push(render);
    if (pendingRenders.length === 1)
      window.setTimeout(() => {
        for (const r of pendingRenders.splice(0)) r();
      }, 50);
  }

  function setLive(text: string, ok: boolean): void {
    const el = $('live');
    el.textContent = text;
    el.className = ok ? 'live on' : 'live off';
  }
  function connectEvents(): void {
    if (state.events) state.events.close();
    const es = new EventSource('api/events');
    state.events = es;
    setLive('connecting', false);
    es.addEventListener('open', () => {
      setLive('live', true);
      // Events may have been missed while disconnected: fetch the lists again.
      if (state.hadError) void loadAll();
      state.hadError = false;
    });
    es.addEventListener('error', () => {
      state.hadError = true;
      setLive('reconnecting', false);
      if (es.readyState === EventSource.CLOSED) {
        // Refused (e.g. the session ended): find out why, then try again.
        window.setTimeout(() => {
          if (state.events !== es) return;
          api<Me>('GET', '/me').then(
            () => connectEvents(),
            () => undefined,
          );
        }, 3000);
      }
    });
    const on = (type: string, fn: (data: any) => void) =>
      es.addEventListener(type, (e) => {
        try {
          fn(JSON.parse((e as MessageEvent).data));
        } catch {
          // a malformed event must not stop the stream
        }
      });
    on('alarm', (a: Alarm) => {
      const before = state.alarms.get(a.id);
      state.alarms.set(a.id, a);
      if (a.state === 'UNACK' && before?.state !== 'UNACK') announce(`New ${a.priority} alarm: ${a.tag} ${a.message}`);
      schedule(renderAlarms);
    });
    on('incident', (i: Incident) => {
      const before = state.incidents.get(i.id);
      state.incidents.set(i.id, { ...i, suggestion: i.suggestion || before?.suggestion });
      schedule(renderIncidents);
    });
    on('suggestion', (s: Suggestion) => {
      const i = state.incidents.get(s.incidentId);
      if (i) i.suggestion = s;
      else state.incidents.set(s.incidentId, { id: s.incidentId, openedAt: s.createdAt, alarmIds: [], flood: false, suggestion: s });
      schedule(renderIncidents);
    });
    on('proposal', (p: Proposal) => {
      const before = state.proposals.get(p.id);
      keepNewer(p);
      if (!before && OPEN_STATES.indexOf(p.state) >= 0) announce(`New setpoint proposal for ${p.tag}`);
      schedule(renderProposals);
    });
    on('write', (w: WriteResult) => {
      const p = state.proposals.get(w.proposalId);
      if (p) {
        p.result = w;
        if (OPEN_STATES.indexOf(p.state) >= 0) p.state = w.verified ? 'written' : 'failed';
      }
      announce(w.verified ? `${w.tag} written and verified` : `Write to ${w.tag} failed`);
      schedule(renderProposals);
    });
    on('kpis', (k: Record<string, unknown>) => {
      state.kpis = k;
      schedule(renderKpis);
    });
    on('reset', () => void loadAll());
    on('logout', () => showLogin('Your session has ended: log in again.'));
  }

  // ---- views --------------------------------------------------------------------------------
  function showLogin(message?: string): void {
    state.me = null;
    if (state.events) state.events.close();
    state.events = null;
    setLive('offline', false);
    $('nav').hidden = true;
    $('logout').hidden = true;
    $('who').textContent = '';
    for (const v of ['operate-view', 'kpis-view', 'audit-view']) $(v).hidden = true;
    $('login-view').hidden = false;
    $('login-error').textContent = message || '';
    ($('login-user') as HTMLInputElement).focus();
  }

  function start(me: Me): void {
    state.me = me;
    const d = me.display || {};
    document.body.className = `text-${d.textSize || 'normal'}`;
    state.showNormal = !!d.showNormal;
    ($('show-normal') as HTMLInputElement).checked = state.showNormal;
    const title = d.title || me.plant || 'Operator Copilot';
    $('title').textContent = title;
    document.title = `${title} · Operator Copilot`;
    $('who').textContent = `${me.user} (${me.roles.join(', ')})`;
    $('login-view').hidden = true;
    $('nav').hidden = false;
    $('logout').hidden = false;
    $('notice').hidden = true;
    showView(state.view);
    connectEvents();
    void loadAll();
  }

  function showView(view: string): void {
    state.view = view;
    $('operate-view').hidden = view !== 'operate';
    $('kpis-view').hidden = view !== 'kpis';
    $('audit-view').hidden = view !== 'audit';
    for (const b of Array.from($('nav').querySelectorAll('button'))) {
      if (b.getAttribute('data-view') === view) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
    if (view === 'audit') void loadAudit();
    if (view === 'kpis') renderKpis();
  }

  function renderAll(): void {
    renderAlarms();
    renderIncidents();
    renderProposals();
    renderKpis();
  }

  const canAct = () => !!state.me && state.me.roles.some((r) => r !== 'viewer');

  // -- alarms ---------------------------------------------------------------------------------
  function sortedAlarms(): Alarm[] {
    return Array.from(state.alarms.values()).sort((a, b) => {
      const an = a.state === 'NORMAL' ? 1 : 0;
      const bn = b.state === 'NORMAL' ? 1 : 0;
      if (an !== bn) return an - bn;
      const ap = PRIORITY_RANK[a.priority] ?? 9;
      const bp = PRIORITY_RANK[b.priority] ?? 9;
      return ap - bp || (b.activeSince || 0) - (a.activeSince || 0) || a.id.localeCompare(b.id);
    });
  }

  function renderAlarms(): void {
    const list = $('alarm-list');
    const all = sortedAlarms();
    const abnormal = all.filter((a) => a.state !== 'NORMAL');
    const unack = abnormal.filter((a) => a.state === 'UNACK' || a.state === 'RTN_UNACK').length;
    $('alarm-count').textContent = abnormal.length ? `${abnormal.length} active${unack ? `, ${unack} unacknowledged` : ''}` : '';
    if (state.errors.alarms) return replace(list, [h('li', { class: 'empty error' }, state.errors.alarms)]);
    const shown = state.showNormal ? all : abnormal;
    if (!shown.length) return replace(list, [h('li', { class: 'empty calm' }, all.length ? `All ${all.length} alarms normal` : 'No alarms configured')]);
    replace(list, shown.map(alarmRow));
  }

  function alarmRow(a: Alarm): HTMLElement {
    const normal = a.state === 'NORMAL';
    const quiet = normal || a.state === 'SHELVED' || a.state === 'SUPPRESSED' || a.state === 'OUT_OF_SERVICE';
    const unack = a.state === 'UNACK' || a.state === 'RTN_UNACK';
    const cls = ['alarm', quiet ? 'quiet' : `p-${a.priority}`, unack ? 'unack' : '', a.state === 'RTN_UNACK' ? 'rtn' : ''].filter(Boolean).join(' ');
    const actions: HTMLElement[] = [];
    if (canAct()) {
      if (unack) actions.push(h('button', { type: 'button', class: 'ack', 'aria-label': `Acknowledge ${a.tag} ${a.type}`, onclick: (e: Event) => void act(e.currentTarget as HTMLElement, () => api('POST', `/alarms/${encodeURIComponent(a.id)}/ack`, {})) }, 'Ack'));
      if (a.state === 'LATCHED')
        actions.push(h('button', { type: 'button', 'aria-label': `Reset latched ${a.tag} ${a.type}`, onclick: (e: Event) => void act(e.currentTarget as HTMLElement, () => api('POST', `/alarms/${encodeURIComponent(a.id)}/reset`, {})) }, 'Reset'));
      if (a.state === 'OUT_OF_SERVICE' && (state.me as Me).roles.some((r) => r === 'supervisor' || r === 'engineer'))
        actions.push(h('button', { type: 'button', class: 'quiet', 'aria-label': `Return ${a.tag} ${a.type} to service`, onclick: (e: Event) => void act(e.currentTarget as HTMLElement, () => api('POST', `/alarms/${encodeURIComponent(a.id)}/return-to-service`, {})) }, 'Return to service'));
      else if (a.shelved || a.state === 'SHELVED')
        actions.push(h('button', { type: 'button', 'aria-label': `Unshelve ${a.tag} ${a.type}`, onclick: (e: Event) => void act(e.currentTarget as HTMLElement, () => api('POST', `/alarms/${encodeURIComponent(a.id)}/unshelve`, {})) }, 'Unshelve'));
      else if (!normal)
        actions.push(
          h('button', { type: 'button', class: 'quiet', 'aria-expanded': state.shelving === a.id ? 'true' : 'false', 'aria-label': `Shelve ${a.tag} ${a.type}`, onclick: () => {
            state.shelving = state.shelving === a.id ? null : a.id;
            renderAlarms();
            const r = document.getElementById(`shelve-reason-${a.id}`);
            if (r) r.focus();
          } }, 'Shelve…'),
        );
    }
    const stateText = a.state === 'RTN_UNACK' ? 'RETURNED · UNACK' : a.state.replace(/_/g, ' ');
    return h(
      'li',
      { class: cls, 'data-alarm': a.id },
      h('span', { class: 'prio', title: `${a.priority} priority` }, a.priority.toUpperCase()),
      h(
        'div',
        { class: 'alarm-main' },
        h('div', { class: 'alarm-title' }, h('strong', null, a.tag), ' ', h('span', { class: 'type' }, a.type), a.firstOut ? h('span', { class: 'first-out', title: 'first alarm of this incident' }, '1st OUT') : null, ' ', a.message),
        h(
          'div',
          { class: 'alarm-meta' },
          h('span', { class: 'state' }, stateText),
          ` · value ${fmt(a.value)} · limit ${fmt(a.limit)}`,
          a.activeSince ? ` · since ${time(a.activeSince)}` : '',
          a.shelvedUntil && a.state === 'SHELVED' ? ` · shelved until ${time(a.shelvedUntil)}` : '',
          a.by ? ` · by ${a.by}` : '',
        ),
        !normal && a.rationalization && a.rationalization.action ? h('div', { class: 'alarm-action' }, `Action: ${a.rationalization.action}`) : null,
        state.shelving === a.id ? shelveForm(a) : null,
      ),
      h('div', { class: 'alarm-buttons' }, actions),
    );
  }

  function shelveForm(a: Alarm): HTMLElement {
    const minutesId = `shelve-min-${a.id}`;
    const reasonId = `shelve-reason-${a.id}`;
    return h(
      'form',
      {
        class: 'shelve',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const minutes = Number(($(minutesId) as HTMLSelectElement).value);
          const reason = ($(reasonId) as HTMLInputElement).value.trim();
          if (!reason) return toast('Give a reason for shelving');
          const button = (e.currentTarget as HTMLElement).querySelector('button[type=submit]') as HTMLElement;
          void act(button, () => api('POST', `/alarms/${encodeURIComponent(a.id)}/shelve`, { minutes, reason }), `${a.tag} shelved for ${minutes} min`).then((ok) => {
            if (ok) {
              state.shelving = null;
              delete state.drafts[reasonId];
              renderAlarms();
            }
          });
        },
      },
      h('label', { for: minutesId }, 'for'),
      h('select', { id: minutesId }, [15, 30, 60, 120, 240, 480].map((m) => h('option', { value: m, selected: m === 60 }, m < 60 ? `${m} min` : `${m / 60} h`))),
      h('label', { for: reasonId }, 'reason'),
      draftInput(reasonId, { placeholder: 'e.g. instrument under repair', required: true }),
      h('button', { type: 'submit' }, 'Shelve'),
      h('button', { type: 'button', class: 'quiet', onclick: () => { state.shelving = null; renderAlarms(); } }, 'Cancel'),
    );
  }

  /** A text input whose value survives re-renders (live updates arrive while the operator types). */
  function draftInput(id: string, attrs: Record<string, string | number | boolean>, initial = ''): HTMLInputElement {
    const input = h('input', { id, ...attrs }) as HTMLInputElement;
    input.value = state.drafts[id] !== undefined ? state.drafts[id] : initial;
    input.addEventListener('input', () => (state.drafts[id] = input.value));
    return input;
  }

  // -- incidents ------------------------------------------------------------------------------
  function renderIncidents(): void {
    const tabs = $('incident-tabs');
    const box = $('incident');
    if (state.errors.incidents) {
      replace(tabs, []);
      return replace(box, [h('p', { class: 'empty error' }, state.errors.incidents)]);
    }
    const list = Array.from(state.incidents.values()).sort((a, b) => (a.closedAt ? 1 : 0) - (b.closedAt ? 1 : 0) || b.openedAt - a.openedAt);
    if (!list.length) {
      replace(tabs, []);
      return replace(box, [h('p', { class: 'empty calm' }, 'No incident. The diagnosis appears here when alarms come in.')]);
    }
    if (!state.selectedIncident || !state.incidents.has(state.selectedIncident)) state.selectedIncident = list[0].id;
    replace(
      tabs,
      list.slice(0, 8).map((i) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            id: `inc-tab-${i.id}`,
            'aria-selected': i.id === state.selectedIncident ? 'true' : 'false',
            class: i.closedAt ? 'closed' : '',
            onclick: () => {
              state.selectedIncident = i.id;
              renderIncidents();
            },
          },
          `${time(i.openedAt)} · ${i.alarmIds.length} alarm${i.alarmIds.length === 1 ? '' : 's'}${i.closedAt ? ' · closed' : ''}`,
        ),
      ),
    );
    replace(box, [incidentView(state.incidents.get(state.selectedIncident) as Incident)]);
  }

  function reasonerText(r: string | undefined): string {
    if (!r) return 'unknown';
    if (r === 'knowledge-base') return 'the built-in knowledge base (no LLM)';
    if (r.indexOf('llm:') === 0) return `LLM ${r.slice(4)}`;
    return r;
  }

  function incidentView(i: Incident): HTMLElement {
    const s = i.suggestion;
    const head = h(
      'div',
      { class: 'incident-head' },
      h('span', null, `Opened ${time(i.openedAt)}`),
      i.area ? h('span', null, ` · area ${i.area}`) : null,
      i.firstOut ? h('span', null, ` · first out ${i.firstOut}`) : null,
      i.continues ? h('span', { title: 'these alarms still stood after that incident had settled, so they are explained afresh' }, ` · continues ${i.continues}`) : null,
      i.flood ? h('span', { class: 'badge flood' }, 'ALARM FLOOD') : null,
    );
    if (!s) return h('article', { class: 'incident-view' }, head, h('p', { class: 'empty calm' }, 'Diagnosing…'));
    const top = s.hypotheses[0];
    const askId = `ask-${i.id}`;
    const noteId = `note-${i.id}`;
    const answer = state.answers[i.id];
    return h(
      'article',
      { class: 'incident-view', 'data-incident': i.id },
      head,
      h('p', { class: `verdict v-${s.verdict}` }, VERDICTS[s.verdict] || s.verdict),
      h('p', { class: 'summary' }, s.summary),
      h('p', { class: 'reasoner' }, 'Written by ', h('strong', null, reasonerText(s.reasoner)), ` at ${time(s.createdAt)}`),
      s.hypotheses.length ? h('h3', null, 'Likely causes') : null,
      h(
        'ol',
        { class: 'hypotheses' },
        s.hypotheses.map((hy) =>
          h(
            'li',
            null,
            h(
              'div',
              { class: 'hyp-head' },
              h('strong', null, hy.description || hy.cause),
              h('span', { class: 'cause-id' }, hy.cause),
              h('meter', { min: 0, max: 1, value: hy.confidence, 'aria-label': 'confidence' }),
              h('span', { class: 'conf' }, `${Math.round(hy.confidence * 100)} %`),
            ),
            hy.rationale ? h('p', { class: 'rationale' }, h('em', null, `${s.reasoner}: `), hy.rationale) : null,
            hy.evidence.length
              ? h(
                  'table',
                  { class: 'evidence' },
                  h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Tag'), h('th', { scope: 'col' }, 'Observed'), h('th', { scope: 'col' }, 'Expected'), h('th', { scope: 'col' }, ''))),
                  h(
                    'tbody',
                    null,
                    hy.evidence.map((ev) =>
                      h('tr', { class: ev.relation }, h('td', null, ev.tag), h('td', null, fmt(ev.observed)), h('td', null, fmt(ev.expected)), h('td', null, ev.relation === 'supports' ? '✓ supports' : '✗ contradicts')),
                    ),
                  ),
                )
              : null,
          ),
        ),
      ),
      s.consequences.length ? [h('h3', null, 'Consequences'), h('ul', null, s.consequences.map((c) => h('li', null, c)))] : null,
      s.actions.length ? [h('h3', null, 'Suggested actions'), h('ul', null, s.actions.map((c) => h('li', null, c)))] : null,
      s.checkNext && s.checkNext.length ? [h('h3', null, 'Check next'), h('ul', null, s.checkNext.map((c) => h('li', null, c)))] : null,
      h(
        'form',
        {
          class: 'ask',
          onsubmit: (e: Event) => {
            e.preventDefault();
            const question = ($(askId) as HTMLInputElement).value.trim();
            if (!question) return;
            const button = (e.currentTarget as HTMLElement).querySelector('button') as HTMLElement;
            void act(button, async () => {
              state.answers[i.id] = await api<{ answer: string; reasoner: string }>('POST', `/incidents/${encodeURIComponent(i.id)}/ask`, { question });
              renderIncidents();
            });
          },
        },
        h('label', { for: askId }, 'Ask about this incident'),
        draftInput(askId, { placeholder: 'e.g. why not a feed problem?', maxlength: 2000 }),
        h('button', { type: 'submit' }, 'Ask'),
      ),
      answer ? h('div', { class: 'answer' }, h('p', null, answer.answer), h('p', { class: 'reasoner' }, `Answered by ${reasonerText(answer.reasoner)}`)) : null,
      top && canAct()
        ? h(
            'div',
            { class: 'feedback' },
            h('span', null, `Is "${top.description || top.cause}" the cause?`),
            draftInput(noteId, { placeholder: 'note (optional)', 'aria-label': 'feedback note', maxlength: 2000 }),
            h('button', { type: 'button', onclick: (e: Event) => void sendFeedback(e, i, top.cause, true, noteId) }, 'Yes, right'),
            h('button', { type: 'button', class: 'quiet', onclick: (e: Event) => void sendFeedback(e, i, top.cause, false, noteId) }, 'No, wrong'),
          )
        : null,
      i.feedback && i.feedback.length ? h('p', { class: 'reasoner' }, i.feedback.map((f) => `${f.user}: ${f.correct ? 'right' : 'wrong'}${f.note ? ` (${f.note})` : ''}`).join(' · ')) : null,
    );
  }

  async function sendFeedback(e: Event, i: Incident, cause: string, correct: boolean, noteId: string): Promise<void> {
    const note = (($(noteId) as HTMLInputElement).value || '').trim();
    await act(e.currentTarget as HTMLElement, async () => {
      const r = await api<{ incident: Incident }>('POST', `/incidents/${encodeURIComponent(i.id)}/feedback`, note ? { cause, correct, note } : { cause, correct });
      state.incidents.set(i.id, { ...r.incident, suggestion: r.incident.suggestion || i.suggestion });
      delete state.drafts[noteId];
      renderIncidents();
    }, 'Thank you: feedback recorded');
  }

  // -- proposals ------------------------------------------------------------------------------
  /** The value being decided: an earlier approver's (possibly edited) value, else the proposal's. */
  function decidedValue(p: Proposal): number {
    if (p.value !== undefined) return p.value;
    return p.approvals.length ? p.approvals[0].value : p.proposed;
  }

  function isOpen(p: Proposal): boolean {
    return OPEN_STATES.indexOf(p.state) >= 0 && p.approvals.length < p.approvalsRequired;
  }

  function renderProposals(): void {
    const box = $('proposals');
    if (state.errors.proposals) return replace(box, [h('p', { class: 'empty error' }, state.errors.proposals)]);
    const all = Array.from(state.proposals.values()).sort((a, b) => (b.createdAt || b.updatedAt) - (a.createdAt || a.updatedAt));
    const open = all.filter(isOpen);
    $('proposal-count').textContent = open.length ? String(open.length) : '';
    replace(box, open.length ? open.map(proposalCard) : [h('p', { class: 'empty calm' }, 'No setpoint change waiting for a decision.')]);
    const done = all.filter((p) => !isOpen(p)).slice(0, 15);
    replace($('history-list'), done.length ? done.map(historyRow) : [h('li', { class: 'empty' }, 'none yet')]);
    // A decision just made shows in the history: open it once so the outcome is visible.
    for (const p of done) {
      if (p.result && Date.now() - p.result.at < 60_000) ($('history') as HTMLDetailsElement).open = true;
    }
    for (const p of open) void loadTrend(p.tag);
  }

  function historyRow(p: Proposal): HTMLElement {
    const r = p.result;
    const outcome =
      p.state === 'written' && r
        ? r.verified
          ? `written ${fmt(r.written, p.unit)}, read back ${fmt(r.readBack, p.unit)}: verified`
          : `written but not verified: read back ${fmt(r.readBack, p.unit)}`
        : p.state === 'failed'
          ? `failed${r && r.error ? `: ${r.error}` : ''}`
          : p.state === 'rejected' && p.rejection
            ? `rejected by ${p.rejection.user}: ${p.rejection.reason}`
            : p.state === 'approved'
              ? 'approved, writing…'
              : p.state;
    const ok = p.state === 'written' && r && r.verified;
    return h(
      'li',
      { class: `hist ${ok ? 'ok' : p.state === 'failed' ? 'bad' : ''}`, 'data-proposal': p.id, 'data-state': p.state },
      h('strong', null, p.tag),
      ` ${fmt(p.current, p.unit)} → ${fmt(p.value !== undefined ? p.value : p.proposed, p.unit)} · `,
      h('span', { class: 'outcome' }, outcome),
      p.approvals.length ? ` · approved by ${p.approvals.map((a) => a.user).join(' and ')}` : '',
      ` · ${time(p.updatedAt)}`,
    );
  }

  function proposalCard(p: Proposal): HTMLElement {
    const me = state.me as Me;
    const mine = p.selectedBy === me.user && (p.selectedUntil || 0) > Date.now();
    const otherSelected = !!p.selectedBy && p.selectedBy !== me.user && (p.selectedUntil || 0) > Date.now();
    const approvedByMe = p.approvals.some((a) => a.user === me.user);
    const mayApprove = !p.roles || p.roles.some((r) => me.roles.indexOf(r) >= 0);
    const valueId = `value-${p.id}`;
    const reasonId = `reason-${p.id}`;
    const lim = p.limits;
    const controls: Child[] = [];
    if (!canAct()) controls.push(h('p', { class: 'hint' }, 'Viewers cannot decide on proposals.'));
    else if (approvedByMe) controls.push(h('p', { class: 'hint' }, 'You approved this. A second, different user must confirm it (four-eyes).'));
    else if (!mayApprove) controls.push(h('p', { class: 'hint' }, `Needs the role ${(p.roles || []).join(' or ')} to approve.`));
    else if (otherSelected) controls.push(h('p', { class: 'hint' }, `Selected by ${p.selectedBy}; ${left((p.selectedUntil || 0) - Date.now()).replace(' left', '')} remaining.`));
    else if (!mine)
      controls.push(
        h('button', { type: 'button', class: 'primary', id: `select-${p.id}`, onclick: (e: Event) => void act(e.currentTarget as HTMLElement, async () => {
          const r = await api<{ proposal: Proposal }>('POST', `/proposals/${encodeURIComponent(p.id)}/select`, {});
          keepNewer(r.proposal);
          renderProposals();
          const v = document.getElementById(valueId);
          if (v) v.focus();
        }) }, p.approvals.length ? 'Select to confirm as second approver' : 'Select'),
      );
    else {
      const value = draftInput(valueId, { type: 'number', step: 'any', min: lim.min, max: lim.max, inputmode: 'decimal', 'aria-describedby': `limits-${p.id}` }, String(decidedValue(p)));
      controls.push(
        h(
          'div',
          { class: 'decide' },
          h('label', { for: valueId }, `Value${p.unit ? ` (${p.unit})` : ''}`),
          value,
          h('label', { for: reasonId }, 'Reason'),
          draftInput(reasonId, { placeholder: 'required to reject', maxlength: 500 }),
          h('button', { type: 'button', class: 'primary approve', onclick: (e: Event) => void approve(e, p, valueId, reasonId) }, p.approvals.length ? 'Confirm (second approval)' : 'Approve'),
          h('button', { type: 'button', class: 'danger', onclick: (e: Event) => void reject(e, p, reasonId) }, 'Reject'),
          h('span', { class: 'hint', 'data-expires': p.selectedUntil || 0, 'data-prefix': 'selection: ' }, `selection: ${left((p.selectedUntil || 0) - Date.now())}`),
        ),
      );
    }
    return h(
      'article',
      { class: `proposal${p.policy.ok ? '' : ' blocked'}`, 'data-proposal': p.id, 'aria-labelledby': `ptitle-${p.id}` },
      h(
        'div',
        { class: 'proposal-head' },
        h('h3', { id: `ptitle-${p.id}` }, p.tag),
        p.approvalsRequired > 1 ? h('span', { class: 'badge four-eyes', title: 'two different users must approve' }, `four-eyes ${p.approvals.length}/${p.approvalsRequired}`) : null,
        h('span', { class: 'time-left', 'data-expires': p.expiresAt }, left(p.expiresAt - Date.now())),
      ),
      h('div', { class: 'change' }, h('span', { class: 'current' }, fmt(p.current, p.unit)), h('span', { class: 'arrow', 'aria-label': 'to' }, '→'), h('span', { class: 'proposed' }, fmt(p.proposed, p.unit))),
      h('p', { class: 'limits', id: `limits-${p.id}` }, `Limits ${fmt(lim.min)} … ${fmt(lim.max, p.unit)}${lim.maxStep !== undefined ? ` · largest step ${fmt(lim.maxStep, p.unit)}` : ''}${p.roles ? ` · approve: ${p.roles.join(' or ')}` : ''}`),
      h('div', { class: 'trend', id: `trend-${p.id}` }, trendSvg(p)),
      p.consequence ? h('p', { class: 'consequence' }, h('strong', null, 'Consequence: '), p.consequence) : null,
      p.rationale ? h('p', { class: 'rationale' }, p.rationale) : null,
      p.policy.ok ? null : h('ul', { class: 'policy' }, p.policy.reasons.map((r) => h('li', null, r))),
      p.approvals.length ? h('p', { class: 'approvals' }, p.approvals.map((a) => `approved by ${a.user} at ${time(a.at)} (${fmt(a.value, p.unit)})`).join('; ')) : null,
      p.reasoner ? h('p', { class: 'reasoner' }, `Proposed by ${reasonerText(p.reasoner)}`) : null,
      h('div', { class: 'controls' }, controls),
    );
  }

  async function approve(e: Event, p: Proposal, valueId: string, reasonId: string): Promise<void> {
    const raw = ($(valueId) as HTMLInputElement).value.trim();
    const value = Number(raw);
    if (!raw || !Number.isFinite(value)) return toast('Enter a number');
    if (value < p.limits.min || value > p.limits.max) return toast(`The value must be within ${p.limits.min} … ${p.limits.max}`);
    const reason = ($(reasonId) as HTMLInputElement).value.trim();
    const body: { value?: number; reason?: string } = {};
    if (value !== decidedValue(p)) body.value = value;
    if (reason) body.reason = reason;
    await act(e.currentTarget as HTMLElement, async () => {
      const r = await api<{ proposal: Proposal }>('POST', `/proposals/${encodeURIComponent(p.id)}/approve`, body);
      keepNewer(r.proposal);
      delete state.drafts[valueId];
      delete state.drafts[reasonId];
      renderProposals();
    }, r2(p));
  }
  function r2(p: Proposal): string {
    return p.approvals.length + 1 < p.approvalsRequired ? `Approved: ${p.tag} now needs a second, different user` : `Approved: writing ${p.tag}`;
  }

  async function reject(e: Event, p: Proposal, reasonId: string): Promise<void> {
    const reason = ($(reasonId) as HTMLInputElement).value.trim();
    if (!reason) {
      $(reasonId).focus();
      return toast('Give a reason to reject');
    }
    await act(e.currentTarget as HTMLElement, async () => {
      const r = await api<{ proposal: Proposal }>('POST', `/proposals/${encodeURIComponent(p.id)}/reject`, { reason });
      keepNewer(r.proposal);
      delete state.drafts[reasonId];
      renderProposals();
    }, `Rejected: ${p.tag}`);
  }

  async function loadTrend(tag: string): Promise<void> {
    const c = state.trends.get(tag);
    if (c && (c.loading || Date.now() - c.at < 15_000)) return;
    state.trends.set(tag, { at: Date.now(), trend: c && c.trend, loading: true });
    try {
      const trend = await api<Trend>('GET', `/trend/${encodeURIComponent(tag)}?minutes=10`);
      state.trends.set(tag, { at: Date.now(), trend });
    } catch {
      state.trends.set(tag, { at: Date.now(), trend: c && c.trend });
      return;
    }
    for (const p of Array.from(state.proposals.values())) {
      const box = document.getElementById(`trend-${p.id}`);
      if (p.tag === tag && box) replace(box, [trendSvg(p)]);
    }
  }

  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
    const el = document.createElementNS(SVG, tag);
    for (const k of Object.keys(attrs)) el.setAttribute(k, String(attrs[k]));
    return el;
  }
  /** The last ten minutes of the tag with the write limits and the proposed value. */
  function trendSvg(p: Proposal): Node {
    const t = state.trends.get(p.tag);
    const points = (t && t.trend && t.trend.points) || [];
    if (points.length < 2) return h('span', { class: 'hint' }, t && t.trend ? 'no trend yet' : 'loading trend…');
    const W = 300;
    const H = 70;
    const values = points.map((x) => x[1]).concat([p.proposed, p.limits.min, p.limits.max]);
    let lo = Math.min.apply(null, values);
    let hi = Math.max.apply(null, values);
    if (hi - lo < 1e-9) {
      hi += 1;
      lo -= 1;
    }
    const t0 = points[0][0];
    const t1 = Math.max(points[points.length - 1][0], t0 + 1);
    const x = (tt: number) => ((tt - t0) / (t1 - t0)) * (W - 40);
    const y = (v: number) => H - 4 - ((v - lo) / (hi - lo)) * (H - 8);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'spark', 'aria-label': `${p.tag} over the last minutes: from ${fmt(points[0][1])} to ${fmt(points[points.length - 1][1])}, proposed ${fmt(p.proposed)}` });
    root.appendChild(svg('rect', { x: 0, y: y(p.limits.max), width: W - 40, height: Math.max(1, y(p.limits.min) - y(p.limits.max)), class: 'band' }));
    root.appendChild(svg('polyline', { points: points.map((pt) => `${x(pt[0]).toFixed(1)},${y(pt[1]).toFixed(1)}`).join(' '), class: 'line' }));
    const last = points[points.length - 1];
    root.appendChild(svg('line', { x1: x(last[0]), y1: y(last[1]), x2: W - 6, y2: y(p.proposed), class: 'step' }));
    root.appendChild(svg('circle', { cx: W - 6, cy: y(p.proposed), r: 4, class: 'target' }));
    const label = (text: string, lx: number, ly: number, cls: string) => {
      const t = svg('text', { x: lx, y: ly, class: cls });
      t.textContent = text;
      root.appendChild(t);
    };
    label(`max ${fmt(p.limits.max)}`, 3, Math.max(10, y(p.limits.max) + 10), 'lbl');
    label(`min ${fmt(p.limits.min)}`, 3, Math.min(H - 2, y(p.limits.min) - 3), 'lbl');
    label(fmt(p.proposed), W - 6, Math.max(10, Math.min(H - 8, y(p.proposed) - 7)), 'lbl end');
    return root;
  }

  // -- KPIs and audit -------------------------------------------------------------------------
  /** A KPI value in the operator's units: times as clock times, durations in s/min/h, numbers rounded. */
  function kpiValue(key: string, v: unknown): string {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'number') {
      if (/(^at$|At$|^from$|^to$|since$|Since$)/.test(key) && v > 1e12) return time(v);
      if (/(^ms$|Ms$)/.test(key)) return v >= 3600_000 ? `${Number((v / 3600_000).toPrecision(3))} h` : v >= 60_000 ? `${Number((v / 60_000).toPrecision(3))} min` : `${Number((v / 1000).toPrecision(3))} s`;
      return String(Number(v.toPrecision(4)));
    }
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (typeof v !== 'object') return String(v);
    if (Array.isArray(v)) return v.length ? v.slice(0, 10).map((x) => (x && typeof x === 'object' ? kpiLine(x as Record<string, unknown>) : String(x))).join('; ') : 'none';
    return kpiLine(v as Record<string, unknown>);
  }
  function kpiLine(o: Record<string, unknown>): string {
    return Object.keys(o)
      .map((k) => `${words(k).toLowerCase()} ${kpiValue(k, o[k])}`)
      .join(' · ');
  }

  function renderKpis(): void {
    const box = $('kpis');
    if (state.errors.kpis) return replace(box, [h('p', { class: 'empty error' }, state.errors.kpis)]);
    const keys = Object.keys(state.kpis);
    if (!keys.length) return replace(box, [h('p', { class: 'empty' }, 'No KPIs yet.')]);
    const isObject = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v);
    // Single figures first, as big numbers; breakdowns (by priority, by area...) after, as tables.
    const figures = keys.filter((k) => !isObject(state.kpis[k]));
    const breakdowns = keys.filter((k) => isObject(state.kpis[k]));
    replace(box, [
      figures.map((k) => h('div', { class: 'kpi' }, h('dt', null, words(k)), h('dd', null, kpiValue(k, state.kpis[k])))),
      breakdowns.map((k) => {
        const o = state.kpis[k] as Record<string, unknown>;
        return h(
          'div',
          { class: 'kpi breakdown' },
          h('dt', null, words(k)),
          h('dd', null, h('table', null, h('tbody', null, Object.keys(o).map((sub) => h('tr', null, h('th', { scope: 'row' }, words(sub)), h('td', null, kpiValue(sub, o[sub]))))))),
        );
      }),
    ]);
  }

  function localInput(ms: number): string {
    const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
    return d.toISOString().slice(0, 16);
  }
  async function loadAudit(): Promise<void> {
    const fromEl = $('audit-from') as HTMLInputElement;
    const toEl = $('audit-to') as HTMLInputElement;
    if (!fromEl.value) fromEl.value = localInput(Date.now() - 24 * 3600_000);
    const q: string[] = [];
    const from = new Date(fromEl.value).getTime();
    if (Number.isFinite(from)) q.push(`from=${from}`);
    const to = toEl.value ? new Date(toEl.value).getTime() : NaN;
    if (Number.isFinite(to)) q.push(`to=${to}`);
    const kind = ($('audit-kind') as HTMLInputElement).value.trim();
    if (kind) q.push(`kind=${encodeURIComponent(kind)}`);
    const rows = $('audit-rows');
    try {
      const r = await api<{ records: AuditRecord[] }>('GET', `/audit?${q.join('&')}`);
      const recs = r.records.slice().sort((a, b) => b.seq - a.seq);
      replace(
        rows,
        recs.length
          ? recs.map((rec) => {
              const data = JSON.stringify(rec.data);
              return h('tr', null, h('td', null, time(rec.at)), h('td', null, rec.kind), h('td', null, rec.actor || '—'), h('td', { class: 'data', title: data }, data.length > 160 ? data.slice(0, 160) + '…' : data), h('td', { class: 'hash' }, rec.hash.slice(0, 10)));
            })
          : [h('tr', null, h('td', { colspan: 5, class: 'empty' }, 'No records in this period.'))],
      );
    } catch (e) {
      replace(rows, [h('tr', null, h('td', { colspan: 5, class: 'empty error' }, (e as Error).message))]);
    }
  }

  // ---- wiring -------------------------------------------------------------------------------
  function tick(): void {
    for (const el of Array.from(document.querySelectorAll('[data-expires]'))) {
      const at = Number(el.getAttribute('data-expires'));
      el.textContent = (el.getAttribute('data-prefix') || '') + left(at - Date.now());
      el.classList.toggle('urgent', at - Date.now() < 60_000);
    }
  }

  async function boot(): Promise<void> {
    $('login-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const username = ($('login-user') as HTMLInputElement).value.trim();
      const pass = $('login-pass') as HTMLInputElement;
      const button = (e.currentTarget as HTMLElement).querySelector('button') as HTMLElement;
      button.setAttribute('disabled', '');
      try {
        await api('POST', '/login', { username, password: pass.value });
        pass.value = '';
        start(await api<Me>('GET', '/me'));
      } catch (err) {
        $('login-error').textContent = (err as Error).message;
        pass.select();
      } finally {
        button.removeAttribute('disabled');
      }
    });
    $('logout').addEventListener('click', async () => {
      try {
        await api('POST', '/logout', {});
      } catch {
        // logged out anyway
      }
      showLogin('Logged out.');
    });
    for (const b of Array.from($('nav').querySelectorAll('button'))) b.addEventListener('click', () => showView(b.getAttribute('data-view') || 'operate'));
    $('show-normal').addEventListener('change', (e) => {
      state.showNormal = (e.currentTarget as HTMLInputElement).checked;
      renderAlarms();
    });
    $('audit-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void loadAudit();
    });
    window.setInterval(tick, 1000);
    try {
      start(await api<Me>('GET', '/me'));
    } catch (e) {
      if ((e as ApiError).status === 401) return;
      const n = $('notice');
      n.textContent = `${(e as Error).message}. Retrying in 10 s…`;
      n.hidden = false;
      window.setTimeout(() => void boot2(), 10_000);
    }
  }
  async function boot2(): Promise<void> {
    try {
      start(await api<Me>('GET', '/me'));
    } catch (e) {
      if ((e as ApiError).status === 401) return;
      $('notice').textContent = `${(e as Error).message}. Retrying in 10 s…`;
      window.setTimeout(() => void boot2(), 10_000);
    }
  }

  document.addEventListener('DOMContentLoaded', () => void boot());
}
