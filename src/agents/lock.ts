// One start, stop or restart of an agent at a time, across processes: the daemon's
// keep-alive and a user's `gt session restart` take the agent's lock, so neither can
// replace the other's session or record a token for a session that is not the one running.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GtError } from '../errors.js';
import { withFileLock } from '../state/lock.js';
import type { AgentPlace } from '../town/identity.js';
import { townPaths } from '../town/layout.js';

const LOCK_TIMEOUT_MS = 15_000;

export function agentLockDir(root: string): string {
  return join(townPaths(root).storeDir, 'locks');
}

export function withAgentLock<T>(
  root: string,
  agent: Pick<AgentPlace, 'address' | 'session'>,
  fn: () => Promise<T>,
): Promise<T> {
  const dir = agentLockDir(root);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { address, session: name } = agent;
  const lock = { path: join(dir, `${name}.lock`), breakerPath: join(dir, `${name}.break`) };
  return withFileLock(
    lock,
    {
      timeoutMs: LOCK_TIMEOUT_MS,
      timeoutError: (pid) =>
        new GtError(
          'GT_AGENT_BUSY',
          `${address} is being started or stopped by ${pid === undefined ? 'another process' : `process ${pid}`}; gave up after ${LOCK_TIMEOUT_MS / 1000} s`,
          { hint: `try again; if nothing is starting ${address}, remove ${lock.path}` },
        ),
      createError: (cause) =>
        new GtError('GT_AGENT_BUSY', `cannot take the lock of ${address}: ${String(cause)}`, {
          cause,
        }),
    },
    fn,
  );
}
