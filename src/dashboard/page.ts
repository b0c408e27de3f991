// The dashboard's one page: plain HTML and CSS with a small script (page-script.ts), no build
// step and no library. Town data reaches the page only as text (never as markup).
import { PAGE_SCRIPT } from './page-script.js';

const STYLE = `
:root { color-scheme: light dark; --muted: #888; --bad: #c0392b; --warn: #b9770e; --ok: #1e8449; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1rem 2rem; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: baseline; position: sticky; top: 0;
  background: Canvas; padding: .5rem 0; border-bottom: 1px solid #8884; z-index: 1; }
h1 { font-size: 1.3rem; margin: 0; } h2 { font-size: 1.05rem; margin: 1rem 0 .3rem; }
.muted { color: var(--muted); } .bad { color: var(--bad); } .warn { color: var(--warn); } .ok { color: var(--ok); }
#filters { display: flex; gap: .5rem; flex-wrap: wrap; margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .15rem .4rem; vertical-align: top; }
th { font-weight: 600; border-bottom: 1px solid #8886; } tbody tr:nth-child(even) { background: #8881; }
td.addr { font-family: ui-monospace, monospace; white-space: nowrap; }
button { font-size: .8rem; margin-right: .2rem; }
pre.screen { margin: 0; padding: .4rem; background: #8882; max-height: 24rem; overflow: auto; font-size: 12px; }
#layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(16rem, 1fr); gap: 1rem; }
#feed { list-style: none; padding: 0; margin: 0; font: 12px ui-monospace, monospace; max-height: 80vh; overflow: auto; }
#feed li { padding: .1rem 0; border-bottom: 1px solid #8882; }
#nudge-box { position: fixed; right: 1rem; bottom: 1rem; background: Canvas; border: 1px solid #8888;
  padding: .6rem; width: 26rem; max-width: 90vw; box-shadow: 0 2px 8px #0004; }
#nudge-box textarea { width: 100%; height: 6rem; box-sizing: border-box; }
#notice { min-height: 1.2em; }
`;

/** The page; `canAct` (the request carried the town's key) shows the action buttons. */
export function pageHtml(nonce: string, canAct: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gas Town dashboard</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body data-can-act="${canAct ? 'yes' : 'no'}">
<header>
  <h1 id="town-name">Gas Town</h1>
  <span id="daemon" class="muted">daemon: …</span>
  <span id="summary" class="muted"></span>
  <span id="spent" class="muted"></span>
  <span id="live" class="muted">connecting…</span>
</header>
<p id="notice" role="status"></p>
<div id="filters">
  <label>rig <select id="f-rig"><option value="">all</option></select></label>
  <label>role <select id="f-role"><option value="">all</option>
    <option>mayor</option><option>deacon</option><option>witness</option><option>refinery</option><option>crew</option></select></label>
  <label>state <select id="f-state"><option value="">all</option><option>alive</option><option>dead</option>
    <option>zombie</option><option>unknown</option><option value="trouble">needs attention</option></select></label>
  <label>find <input id="f-text" type="search" placeholder="address"></label>
  <span id="shown" class="muted"></span>
</div>
<div id="layout">
  <main>
    <div id="rigs"></div>
    <h2>Requests</h2>
    <p id="requests" class="muted"></p>
    <ul id="dead-letters"></ul>
    <h2>Notifications</h2>
    <p id="outbox" class="muted"></p>
    <ul id="failing-channels"></ul>
    <ul id="outbox-recent"></ul>
  </main>
  <aside>
    <h2>Events</h2>
    <ul id="feed"></ul>
  </aside>
</div>
<form id="nudge-box" hidden>
  <div>Nudge <strong id="nudge-to"></strong></div>
  <textarea id="nudge-text" maxlength="32768" placeholder="the prompt to type in when the agent is ready"></textarea>
  <button type="submit" id="nudge-send">Send</button> <button type="button" id="nudge-cancel">Cancel</button>
</form>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
