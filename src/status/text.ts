// `gt status` as text: the daemon, the agents worth showing, the request queue. Said the same
// by the command's own process and by the daemon answering it over its socket.
import { townHost } from '../agents/host.js';
import { lastLine } from '../daemon/keepalive.js';
import type { SessionHost } from '../sessions/host.js';
import type { Store } from '../store/store.js';
import { townSocket } from '../town/tmux-socket.js';
import type { Settings } from '../town/settings.js';
import { formatDuration } from '../util/duration.js';
import { oneLine } from '../util/text.js';
import { daemonStatus, describeDaemon } from './daemon.js';
import type { TownStatus } from './town.js';
import { townStatus, worthShowing } from './town.js';

/**
 * The town's status from its store, tmux and the daemon's lock, with `settings`; through `host`
 * (the daemon's own, which asks tmux without a process) while it is on the settings' socket.
 */
export function townStatusOf(
  root: string,
  store: Store,
  settings: Settings,
  host?: SessionHost,
): Promise<TownStatus> {
  const socket = townSocket(root, settings.tmux.socket);
  return townStatus({
    root,
    store,
    host: host?.socket === socket ? host : townHost(root, settings),
    daemon: () => daemonStatus(root, settings.daemon.host),
    keepAlive: settings.daemon.keep_alive,
    prices: settings.prices,
  });
}

/** What `gt status [--json]` prints, as a daemon answering it says it: its store, settings given. */
export function statusAnswerer(
  root: string,
  store: Store,
  host?: SessionHost,
): (settings: Settings, json: boolean) => Promise<string> {
  return async (settings, json) => {
    const status = await townStatusOf(root, store, settings, host);
    return json ? `${JSON.stringify(status, null, 2)}\n` : statusText(status);
  };
}

/** What `gt status` prints for `status`. */
export function statusText(status: TownStatus): string {
  const lines: string[] = [];
  const println = (line: string): void => void lines.push(line);
  println(describeDaemon(status.daemon));
  println('');
  const shown = status.agents.filter(worthShowing);
  if (shown.length === 0) println('agents: none running');
  for (const a of shown) {
    const bits = [a.state.padEnd(7), a.identity.padEnd(28)];
    if (a.activity !== null) bits.push(activityText(a));
    if (a.uptime_seconds !== null) bits.push(`up ${a.uptime_seconds}s`);
    if (a.running && a.session_mode === 'resumed') bits.push('resumed');
    if (a.restarts > 0) bits.push(`${a.restarts} restarts`);
    if (a.parked) bits.push(`PARKED (${a.parked_reason ?? ''})`);
    if (a.next_restart_at) bits.push(`restart at ${a.next_restart_at}`);
    if (a.requesting.length > 0) bits.push(`requesting ${a.requesting.join(', ')}`);
    if (a.state_error) bits.push(`state file: ${a.state_error}`);
    println(oneLine(bits.join('  ')));
    if (a.last_exit) println(`         last words: ${oneLine(lastLine(a.last_exit))}`);
  }
  const r = status.requests;
  println('');
  println(`requests: ${r.open} open, ${r.claimed} claimed, ${r.done} done, ${r.dead} dead letters`);
  for (const d of r.dead_letters)
    println(oneLine(`  dead ${d.id} from ${d.from}: ${d.error ?? ''}`));
  return lines.map((l) => `${l}\n`).join('');
}

/** "busy 3m", "dialog trust 2s": the activity, what it is about, and how long it has lasted. */
function activityText(a: TownStatus['agents'][number]): string {
  const age =
    a.activity_since === null
      ? ''
      : ` ${formatDuration(Date.now() - Date.parse(a.activity_since))}`;
  const about = a.activity === 'dialog' && a.activity_detail ? ` ${a.activity_detail}` : '';
  const why =
    a.activity === 'blocked' && a.activity_detail
      ? ` (${a.activity_detail.split('\n')[0] ?? ''})`
      : '';
  return `${a.activity ?? ''}${about}${age}${why}`;
}
