// Is the town's daemon running on this host, since when, and its last heartbeat: from the
// lock's holder (never a pid file that may be stale) and daemon/state.json.
import { readFileSync } from 'node:fs';
import { queryHolder } from '../daemon/lock.js';
import { townPaths } from '../town/layout.js';
import { GT_VERSION, gtBuild } from '../version.js';

export interface DaemonStatus {
  running: boolean;
  pid: number | null;
  host: string;
  started_at: string | null;
  uptime_seconds: number | null;
  last_heartbeat: string | null;
  heartbeat_count: number | null;
  /** Run by a service manager (gt daemon enable-supervisor). */
  supervised: boolean;
  /** The running daemon's gt version and build (null: not running, or too old to say). */
  version?: string | null;
  build?: string | null;
  /** False when the daemon runs another build of gt than this one: gt daemon restart upgrades it. */
  same_build?: boolean | null;
}

export async function daemonStatus(root: string, host: string): Promise<DaemonStatus> {
  const holder = await queryHolder(root, host);
  let state: Record<string, unknown> = {};
  try {
    state = JSON.parse(readFileSync(townPaths(root).daemonState, 'utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    // no state yet: a daemon that never ran, or one still on its first pass
  }
  const sameDaemon = holder !== undefined && state.pid === holder.pid;
  return {
    running: holder !== undefined,
    pid: holder?.pid ?? null,
    host,
    started_at: holder ? new Date(holder.startedAt).toISOString() : null,
    uptime_seconds: holder ? Math.floor((Date.now() - holder.startedAt) / 1000) : null,
    last_heartbeat: sameDaemon ? ((state.last_heartbeat as string | null) ?? null) : null,
    heartbeat_count: sameDaemon ? ((state.heartbeat_count as number | null) ?? null) : null,
    supervised: holder?.supervised === true,
    version: holder?.version ?? null,
    build: holder?.build ?? null,
    same_build: holder === undefined ? null : holder.build === gtBuild(),
  };
}

export function describeDaemon(s: DaemonStatus): string {
  if (!s.running) return 'daemon: not running';
  const how = s.supervised ? ', supervised' : '';
  const other =
    s.same_build === false
      ? `; it runs another gt (${s.version ?? 'an older version'}, build ${s.build ?? 'unknown'}) than this one (${GT_VERSION}, build ${gtBuild()}): gt daemon restart to hand over`
      : '';
  return `daemon: running (pid ${s.pid}${how}, up ${s.uptime_seconds} s, last heartbeat ${s.last_heartbeat ?? 'not yet'}, ${s.heartbeat_count ?? 0} heartbeats)${other}`;
}
