// The dashboard page's script, plain browser JavaScript: it follows /api/events (the status
// snapshot and the event feed), draws the agents grouped by rig, filters them, and posts the
// actions. Everything from the town is set as text, never parsed as HTML.
export const PAGE_SCRIPT = String.raw`
'use strict';
const $ = (id) => document.getElementById(id);
const canAct = document.body.dataset.canAct === 'yes';
const state = { status: null, receivedAt: 0, open: new Set(), screens: new Map(), nudgeTo: null };
const MAX_FEED = 200;

function el(tag, props, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children || []) if (c) node.append(c);
  return node;
}

function age(iso) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 120) return s + 's';
  if (s < 7200) return Math.round(s / 60) + 'm';
  if (s < 172800) return Math.round(s / 3600) + 'h';
  return Math.round(s / 86400) + 'd';
}

function rigOf(a) {
  const parts = a.address.split('/');
  return parts.length > 1 ? parts[0] : '(town)';
}

function trouble(a) {
  return a.kind !== null || a.state !== 'alive' && a.wanted === 'running' || a.parked;
}

function matches(a) {
  const rig = $('f-rig').value, role = $('f-role').value, st = $('f-state').value;
  const text = $('f-text').value.trim().toLowerCase();
  if (rig && rigOf(a) !== rig) return false;
  if (role && a.role !== role) return false;
  if (st === 'trouble' ? !trouble(a) : st && a.state !== st) return false;
  return !text || a.address.toLowerCase().includes(text);
}

function notice(text, cls) {
  const n = $('notice');
  n.textContent = text;
  n.className = cls || '';
}

async function act(address, action, body) {
  const res = await fetch('/api/agents/' + encodeURIComponent(address) + '/' + action, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body || {}),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json.error && json.error.message) || res.statusText);
  return json;
}

function button(label, address, onclick) {
  return el('button', { type: 'button', 'data-action': label, onclick: () => onclick(address) }, [label]);
}

function doAction(action) {
  return async (address) => {
    if ((action === 'stop' || action === 'restart') && !confirm(action + ' ' + address + '?')) return;
    try {
      const r = await act(address, action);
      notice(action + ' ' + address + ': ' + r.outcome, 'ok');
    } catch (err) {
      notice(action + ' ' + address + ' failed: ' + err.message, 'bad');
    }
  };
}

function openNudge(address) {
  state.nudgeTo = address;
  $('nudge-to').textContent = address;
  $('nudge-box').hidden = false;
  $('nudge-text').focus();
}

async function toggleScreen(address) {
  if (state.open.has(address)) state.open.delete(address);
  else {
    state.open.add(address);
    const res = await fetch('/api/agents/' + encodeURIComponent(address) + '?screen=40');
    const json = await res.json().catch(() => ({}));
    state.screens.set(address, res.ok ? (json.screen || [json.screen_error || 'no screen']).join('\n')
      : (json.error && json.error.message) || res.statusText);
  }
  render();
}

function liveClass(a) {
  return a.state === 'alive' ? 'ok' : a.wanted === 'running' ? 'bad' : 'muted';
}

function spent(a) {
  const s = a.spent_today;
  if (!s) return '';
  return (s.dollars > 0 || s.complete ? '$' + s.dollars.toFixed(s.dollars < 1 ? 4 : 2) : '') + (s.complete ? '' : (s.dollars > 0 ? '+? ' : '') + s.tokens + ' tok');
}

function agentRow(a) {
  const activity = a.activity === null ? '' : a.activity + (a.activity_since ? ' ' + age(a.activity_since) : '');
  const why = a.kind === null ? '' : a.kind + (a.kind_detail ? ': ' + a.kind_detail : '') + (a.until ? ' until ' + a.until.slice(11, 19) : '');
  const actions = [button('screen', a.address, toggleScreen)];
  if (canAct) {
    actions.push(button('nudge', a.address, openNudge), button('restart', a.address, doAction('restart')),
      button('stop', a.address, doAction('stop')));
    if (a.parked || (a.kind !== null && a.kind !== 'stopped') || a.restarts > 0) actions.push(button('clear-backoff', a.address, doAction('clear-backoff')));
  }
  const data = { 'data-address': a.address, 'data-state': a.state, 'data-pid': String(a.pid || ''), 'data-activity': a.activity || '' };
  return el('tr', data, [
    el('td', { class: 'addr', text: a.address }),
    el('td', { text: a.role }),
    el('td', { text: (a.runtime || '') + (a.session_mode === 'resumed' ? ' (resumed)' : ''), title: a.conversation_id ? 'conversation ' + a.conversation_id : '' }),
    el('td', { class: liveClass(a), text: a.state + (a.uptime_seconds !== null ? ' ' + age(new Date(state.receivedAt - a.uptime_seconds * 1000).toISOString()) : '') }),
    el('td', { 'data-col': 'activity', text: activity, title: a.activity_detail || '' }),
    el('td', { text: a.wanted }),
    el('td', { class: a.kind ? 'warn' : '', text: why || (a.parked ? 'parked: ' + (a.parked_reason || '') : '') }),
    el('td', { text: String(a.restarts) }),
    el('td', { 'data-col': 'spent', text: spent(a), title: a.spent_today ? a.spent_today.tokens + ' tokens today' : '' }),
    el('td', {}, actions),
  ]);
}

function rigTable(rig, agents) {
  const head = el('tr', {}, ['address', 'role', 'runtime', 'liveness', 'activity', 'wanted', 'hold / park', 'restarts', 'today', '']
    .map((h) => el('th', { text: h })));
  const body = el('tbody');
  for (const a of agents) {
    body.append(agentRow(a));
    if (state.open.has(a.address))
      body.append(el('tr', { class: 'screen-row' }, [el('td', { colspan: '10' }, [el('pre', { class: 'screen', text: state.screens.get(a.address) || '…' })])]));
  }
  return el('section', { 'data-rig': rig }, [el('h2', { text: rig }), el('table', {}, [el('thead', {}, [head]), body])]);
}

function renderHeader(s) {
  document.title = (s.name || 'Gas Town') + ' · dashboard';
  $('town-name').textContent = s.name || 'Gas Town';
  const d = s.daemon;
  $('daemon').textContent = d.running ? 'daemon up (pid ' + d.pid + '), heartbeat ' + (d.last_heartbeat ? age(d.last_heartbeat) + ' ago' : 'not yet') : 'daemon not running';
  $('daemon').className = d.running ? 'ok' : 'bad';
  $('summary').textContent = s.summary.running_count + ' of ' + s.summary.agent_count + ' agents running, ' + s.summary.rig_count + ' rigs';
  const r = s.requests;
  $('requests').textContent = r.open + ' open, ' + r.claimed + ' claimed, ' + r.done + ' done, ' + r.dead + ' dead letters';
  $('dead-letters').replaceChildren(...r.dead_letters.map((x) => el('li', { text: x.id + ' from ' + x.from + ': ' + (x.error || x.subject) })));
  const total = s.agents.reduce((t, a) => t + (a.spent_today ? a.spent_today.dollars : 0), 0);
  const unpriced = s.agents.some((a) => a.spent_today && !a.spent_today.complete);
  $('spent').textContent = 'spent today $' + total.toFixed(2) + (unpriced ? ' (+ models without a price)' : '');
  renderOutbox(s.notifications);
}

function renderOutbox(o) {
  $('outbox').textContent = o.pending + ' waiting, ' + o.dead + ' dead-lettered';
  $('failing-channels').replaceChildren(...o.failing.map((f) => el('li', { class: 'bad', 'data-channel': f.channel, text: 'channel ' + f.channel + ' failing since ' + f.since.slice(11, 19) + ': ' + f.error })));
  $('outbox-recent').replaceChildren(...o.recent.map((n) => el('li', { 'data-notification': n.id, class: n.status === 'dead' ? 'bad' : n.status === 'pending' ? 'warn' : '', text: n.created_at.slice(11, 19) + ' ' + n.channel + ' ' + n.status + ' ' + n.kind + ': ' + n.title + (n.error ? ' (' + n.error + ')' : '') })));
}

function renderRigFilter(s) {
  const select = $('f-rig');
  const rigs = ['(town)'].concat(s.rigs.map((r) => r.name));
  const have = Array.from(select.options).slice(1).map((o) => o.value);
  if (have.join() === rigs.join()) return;
  const value = select.value;
  select.replaceChildren(el('option', { value: '', text: 'all' }), ...rigs.map((r) => el('option', { value: r, text: r })));
  select.value = value;
}

function render() {
  const s = state.status;
  if (!s) return;
  renderHeader(s);
  renderRigFilter(s);
  const groups = new Map();
  const shown = s.agents.filter(matches);
  for (const a of shown) {
    const rig = rigOf(a);
    if (!groups.has(rig)) groups.set(rig, []);
    groups.get(rig).push(a);
  }
  $('rigs').replaceChildren(...Array.from(groups, ([rig, agents]) => rigTable(rig, agents)));
  $('shown').textContent = shown.length + ' of ' + s.agents.length + ' shown';
}

function feedLine(e) {
  const text = e.time.slice(11, 19) + ' ' + e.kind + ' ' + (e.identity || '-') + (e.action ? ' ' + e.action : '') + (e.outcome ? ' ' + e.outcome : '') + (e.reason ? ' (' + e.reason + ')' : '');
  return el('li', { 'data-seq': String(e.seq), 'data-kind': e.kind, text: text });
}

function connect() {
  const source = new EventSource('/api/events');
  source.addEventListener('status', (m) => {
    state.status = JSON.parse(m.data);
    state.receivedAt = Date.now();
    render();
  });
  source.onmessage = (m) => {
    const feed = $('feed');
    feed.prepend(feedLine(JSON.parse(m.data)));
    while (feed.children.length > MAX_FEED) feed.lastChild.remove();
  };
  source.onopen = () => { $('live').textContent = 'live'; $('live').className = 'ok'; };
  source.onerror = () => { $('live').textContent = 'reconnecting…'; $('live').className = 'warn'; };
}

for (const id of ['f-rig', 'f-role', 'f-state', 'f-text']) $(id).addEventListener('input', render);
$('nudge-cancel').addEventListener('click', () => { $('nudge-box').hidden = true; });
$('nudge-box').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const to = state.nudgeTo;
  try {
    const r = await act(to, 'nudge', { text: $('nudge-text').value });
    notice('nudge ' + r.nudge + ' queued for ' + to, 'ok');
    $('nudge-text').value = '';
    $('nudge-box').hidden = true;
  } catch (err) {
    notice('nudge to ' + to + ' failed: ' + err.message, 'bad');
  }
});
if (!canAct) notice('Open the URL that gt dashboard printed: it holds the town’s key, without which nothing of the town is shown.', 'muted');
setInterval(render, 5000);
connect();
`;
