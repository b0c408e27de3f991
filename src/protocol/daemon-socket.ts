// The daemon socket's requests, one place for both sides of them: the launcher's fast path
// (cli/hook-client.ts), which must load next to nothing, and the daemon (daemon/hook-answer.ts).
// Pure; nothing imported.

/** The request's version; a daemon answers `fallback` to any other. */
export const SOCKET_REQUEST_VERSION = 1;

/** Hook events the daemon answers; compaction (which may hand the agent off) stays the hook's. */
export const DAEMON_HOOK_EVENTS = ['prompt', 'stop', 'notification'] as const;

/** The session's variables a request carries: who the agent is, and its secret. */
export const SESSION_ENV_KEYS = ['GT_ROLE', 'GT_RIG', 'GT_CREW', 'GT_AGENT_TOKEN'] as const;

/** The session's variables a request names (only those a command acting for an agent reads). */
export function sessionEnv(given: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (typeof given !== 'object' || given === null) return env;
  for (const key of SESSION_ENV_KEYS) {
    const value = (given as Record<string, unknown>)[key];
    if (typeof value === 'string') env[key] = value;
  }
  return env;
}
