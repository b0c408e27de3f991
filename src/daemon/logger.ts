// The daemon's log: one JSON object per line in daemon/daemon.log (mode 0600), and
// optionally a short human line per entry on a stream (the foreground daemon, the demo).
import { appendFileSync, openSync, closeSync } from 'node:fs';

export type Level = 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
}

export interface FileLoggerOptions {
  file: string;
  /** Also print a human line for each entry here. */
  echo?: NodeJS.WritableStream;
  now?: () => number;
}

export function fileLogger(opts: FileLoggerOptions): Logger {
  closeSync(openSync(opts.file, 'a', 0o600));
  const now = opts.now ?? Date.now;
  return {
    log(level, msg, fields = {}) {
      const entry = { ts: new Date(now()).toISOString(), level, msg, ...fields };
      try {
        appendFileSync(opts.file, `${JSON.stringify(entry)}\n`);
      } catch {
        // A full disk must not stop the daemon; the event store still records what happened.
      }
      opts.echo?.write(`${humanLine(entry)}\n`);
    },
  };
}

export function humanLine(
  entry: { ts: string; level: string; msg: string } & Record<string, unknown>,
): string {
  const time = entry.ts.slice(11, 19);
  const rest = Object.entries(entry)
    .filter(([k, v]) => !['ts', 'level', 'msg'].includes(k) && v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const level = entry.level === 'info' ? '' : `${entry.level.toUpperCase()} `;
  return `${time} ${level}${entry.msg}${rest ? `  ${rest}` : ''}`;
}

export const silentLogger: Logger = { log: () => undefined };
