// The environment a daemon starts with, whoever starts it. `gt nudge` or `gt handoff` run by an
// agent starts a daemon from inside that agent's session: the agent's identity and secret,
// its tmux pane and the markers its CLI sets for its own tools must not become the daemon's
// (nor, through a tmux server the daemon starts, every later session's).
import { AGENT_SESSION_VARS, NOT_FOR_AN_AGENT } from '../agents/env.js';

/** Set by tmux inside a pane, and by agent CLIs for the commands their tools run. */
const SESSION_MARKERS = [
  'TMUX',
  'TMUX_PANE',
  ...NOT_FOR_AN_AGENT.filter((name) => name !== 'CI' && name !== 'GITHUB_ACTIONS'),
] as const;

/** What a daemon never inherits: an agent's identity and secret, and a session's markers. */
export const NOT_FOR_A_DAEMON: readonly string[] = [
  ...AGENT_SESSION_VARS.filter((name) => name !== 'GT_TOWN_ROOT' && name !== 'PATH'),
  ...SESSION_MARKERS,
];

/** `env` without what a daemon must not inherit; everything else (PATH, HOME, keys) stays. */
export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && !NOT_FOR_A_DAEMON.includes(name)) clean[name] = value;
  return clean;
}

/** The names in `env` a daemon would not inherit (for a test, or a warning). */
export function agentVarsIn(env: NodeJS.ProcessEnv): string[] {
  return NOT_FOR_A_DAEMON.filter((name) => env[name] !== undefined);
}
