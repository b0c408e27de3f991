// The town's settings changed under a running daemon: it takes them up at its next heartbeat
// (settings it cannot read leave it on the ones it has, on record), and an agent held for bad
// credentials is let go: the fix is most likely in them (a key in agents.<role>.env), so a
// live one is cycled into a session that has them, with a note of where it was.
import { readFileSync } from 'node:fs';
import { errorMessage } from '../errors.js';
import type { AgentContext } from '../agents/agent.js';
import * as record from '../agents/record.js';
import type { StoredEvent } from '../store/store.js';
import type { Settings } from '../town/settings.js';
import { loadSettings, settingsFile } from '../town/settings.js';
import { cycleWithNote } from './failures.js';
import type { Logger } from './logger.js';

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // no settings file: the defaults
  }
};

/** The settings file's text, and whether it changed since the last look. */
export class SettingsWatch {
  private last: string | undefined;

  constructor(private readonly root: string) {
    this.last = read(settingsFile(root));
  }

  /** The new settings when the file changed since the last call (once per change). */
  changed(): Settings | undefined {
    const text = read(settingsFile(this.root));
    if (text === this.last) return undefined;
    this.last = text;
    return loadSettings(this.root).settings; // throws SettingsError for a bad file
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
    return { ...next, daemon: { ...next.daemon, host: current.daemon.host } };
  }
}

export interface LiftDeps extends AgentContext {
  now: () => number;
  onEvent?: ((event: StoredEvent) => void) | undefined;
}

/** Lets go of every agent held for bad credentials; returns how many. */
export async function liftAuthHolds(deps: LiftDeps): Promise<number> {
  const held = (await deps.store.listAgents()).filter(
    (r) => r.failureKind === 'auth' && r.host === deps.hostName,
  );
  for (const r of held) {
    try {
      await record.unparked(deps.store, r.identity);
      deps.onEvent?.(
        await deps.store.recordEvent({
          kind: 'agent.unparked',
          identity: r.identity,
          outcome: 'settings changed',
          reason: `held for auth (${r.failureDetail ?? ''}); the town's settings changed`,
        }),
      );
      const live = r.session !== null && (await deps.host.find(r.session)) !== undefined;
      if (live && r.desired === 'running')
        await cycleWithNote(deps, r, {
          subject: 'settings changed',
          why: `Your predecessor could not use its model service (${r.failureDetail ?? 'bad credentials'}). The town's settings changed since, so the daemon started you fresh with them.`,
          lines: await deps.host.capture(r.session ?? '', 40).catch(() => []),
          reason: 'auth hold lifted: settings changed',
        });
    } catch (err) {
      await deps.store.recordEvent({
        kind: 'agent.check-failed',
        identity: r.identity,
        reason: errorMessage(err),
      });
    }
  }
  return held.length;
}
