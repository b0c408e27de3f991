// The town's settings changed under a running daemon: it takes them up at its next heartbeat,
// or at once when a command it was asked to answer found the file changed (settings it cannot
// read leave it on the ones it has, on record); holds for bad credentials are lifted then
// (agents/failures/clear.ts).
import { readFileSync, statSync } from 'node:fs';
import { errorMessage } from '../errors.js';
import type { Settings } from '../town/settings.js';
import { loadSettings, settingsFile } from '../town/settings.js';
import { SETTINGS_ENV_NAMES } from '../town/settings-overlay.js';
import { checkRuntimeSettings } from '../agents/runtime/index.js';
import type { Logger } from './logger.js';

const RACY_MS = 50;

/**
 * The file's text, read again only when its identity, size or times moved (every request the
 * daemon answers asks: a stat is one system call, a read three). A file's times move in steps
 * of a few milliseconds: one changed less than RACY_MS before it was read may change again
 * with the same times (and size), so it is read each time until it is older than that.
 */
function reader(): (file: string) => string | undefined {
  let seen: { key: string; text: string | undefined; settled: boolean } | undefined;
  return (file) => {
    const info = statSync(file, { bigint: true, throwIfNoEntry: false });
    const key =
      info === undefined ? '' : `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    if (seen?.settled === true && seen.key === key) return seen.text;
    const readAt = Date.now();
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = undefined; // no settings file: the defaults
    }
    const changedAt = info === undefined ? 0 : Number(info.ctimeNs / 1_000_000n);
    seen = { key, text, settled: changedAt < readAt - RACY_MS };
    return text;
  };
}

/** The settings file's text, and whether it changed since the last look. */
export class SettingsWatch {
  private last: string | undefined;
  /** The text of the settings in use (a file that changed but cannot be used is not). */
  private inUse: string | undefined;
  private readonly read = reader();

  constructor(private readonly root: string) {
    this.last = this.read(settingsFile(root));
    this.inUse = this.last;
  }

  /**
   * Whether a command run now would read the settings the daemon uses: the same file, and the
   * same environment variables laid over it (`env`, the caller's; the daemon's are its own).
   */
  current(env: Readonly<Record<string, string>>): boolean {
    if (SETTINGS_ENV_NAMES.some((name) => env[name] !== process.env[name])) return false;
    return this.read(settingsFile(this.root)) === this.inUse;
  }

  /** Whether the file changed since the last look (changed() or next() will see it). */
  pending(): boolean {
    return this.read(settingsFile(this.root)) !== this.last;
  }

  /** The new settings when the file changed since the last call (once per change). */
  changed(): Settings | undefined {
    const text = this.read(settingsFile(this.root));
    if (text === this.last) return undefined;
    this.last = text;
    const settings = loadSettings(this.root).settings; // throws SettingsError for a bad file
    checkRuntimeSettings(settings, settingsFile(this.root));
    return settings;
  }

  /**
   * The settings to use from now on, when the file changed and can be used (else logged, and
   * undefined); the host the daemon acts for stays the one it started with.
   */
  next(current: Settings, log: Logger): Settings | undefined {
    let next: Settings | undefined;
    try {
      next = this.changed();
    } catch (err) {
      log.log('warn', 'settings changed but cannot be used; keeping the ones in use', {
        error: errorMessage(err),
      });
      return undefined;
    }
    if (next === undefined) return undefined;
    this.inUse = this.last;
    return { ...next, daemon: { ...next.daemon, host: current.daemon.host } };
  }
}
