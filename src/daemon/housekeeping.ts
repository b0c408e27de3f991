// What the daemon keeps tidy at each heartbeat: mail, events and prompts past their age purged,
// and daemon/state.json telling how its heartbeats go (pid, started, last, count, duration).
import { readFileSync } from 'node:fs';
import { errorMessage } from '../errors.js';
import type { NewEvent, Store } from '../store/store.js';
import type { Settings } from '../town/settings.js';
import { ms } from '../util/duration.js';
import { writeJsonAtomic } from '../util/fs.js';
import type { Logger } from './logger.js';

/** Removes settled mail, old events and finished prompts past their settings' ages. */
export async function purgeOld(
  store: Store,
  settings: Settings,
  now: number,
  log: Logger,
): Promise<void> {
  const mail = await store.purgeMessages(now - ms(settings.mail.retention));
  if (mail > 0) log.log('info', 'purged old mail', { count: mail });
  const events = await store.purgeEvents(now - ms(settings.events.max_age));
  if (events > 0) log.log('info', 'purged old events', { count: events });
  await store.purgeNudges(now - ms(settings.mail.retention));
}

/**
 * The event saying the daemon before this one ended without stopping (killed, or the machine
 * went down): daemon/state.json still says it runs. Read before this daemon writes the file.
 */
export function previousCrash(file: string): NewEvent | undefined {
  let state: { running?: unknown; pid?: unknown; last_heartbeat?: unknown };
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as typeof state;
  } catch {
    return undefined; // no daemon before this one, or nothing to read
  }
  if (state.running !== true || state.pid === process.pid) return undefined;
  const pid = typeof state.pid === 'number' ? state.pid : '?';
  const last = typeof state.last_heartbeat === 'string' ? state.last_heartbeat : 'none';
  return {
    kind: 'daemon.restarted',
    outcome: 'after a crash',
    reason: `the daemon before this one (pid ${pid}, last heartbeat ${last}) ended without stopping`,
  };
}

/** The daemon's heartbeats, as daemon/state.json tells them. */
export class HeartbeatState {
  private count = 0;
  private last: number | null = null;
  /** How long the last heartbeat's keep-alive and housekeeping took, and its keep-alive alone. */
  private lastMs: number | null = null;
  private keepAliveMs: number | null = null;

  constructor(
    private readonly file: string,
    private readonly facts: { host: string; startedAt: number },
    private readonly log: Logger,
  ) {}

  beat(at: number): void {
    this.count += 1;
    this.last = at;
  }

  took(durationMs: number, keepAliveMs: number): void {
    this.lastMs = Math.round(durationMs);
    this.keepAliveMs = Math.round(keepAliveMs);
  }

  write(running = true): void {
    const state = {
      running,
      pid: process.pid,
      host: this.facts.host,
      started_at: new Date(this.facts.startedAt).toISOString(),
      last_heartbeat: this.last === null ? null : new Date(this.last).toISOString(),
      heartbeat_count: this.count,
      last_heartbeat_ms: this.lastMs,
      last_heartbeat_keep_alive_ms: this.keepAliveMs,
    };
    try {
      writeJsonAtomic(this.file, state, 0o600);
    } catch (err) {
      this.log.log('warn', 'cannot write daemon/state.json', { error: errorMessage(err) });
    }
  }
}
