// The environment an agent's session gets at creation.
import type { AgentPlace } from '../town/identity.js';
import type { GtInvocation } from './gt-command.js';
import { pathWithGt } from './gt-command.js';

/**
 * Set by agent CLIs for the commands their tools run (a CLI refuses to start inside another),
 * or by a CI system (Gemini CLI runs headless under CI=true and exits): an agent started from
 * such a shell must not inherit them.
 */
export const NOT_FOR_AN_AGENT = [
  'CI',
  'GITHUB_ACTIONS',
  'CLAUDECODE',
  'CLAUDE_CODE_ENTRYPOINT',
  'CLAUDE_CODE_SSE_PORT',
  'GEMINI_CLI',
  'CODEX_SANDBOX',
  'CODEX_SANDBOX_NETWORK_DISABLED',
  'CODEX_THREAD_ID',
  'PI_CODING_AGENT',
  'OPENCODE',
  'OPENCODE_PID',
] as const;

/** Every variable agentEnv may set. */
export const AGENT_SESSION_VARS = [
  'GT_ROLE',
  'BD_ACTOR',
  'GT_TOWN_ROOT',
  'GT_SESSION',
  'GT_AGENT_TOKEN',
  'GT_RIG',
  'GT_CREW',
  'PATH',
] as const;

/**
 * GT_ROLE and BD_ACTOR carry the canonical address, GT_AGENT_TOKEN the session's secret;
 * GT_RIG, GT_CREW and GT_SESSION are what Gas Town's tools read. With `gt`, PATH leads to it.
 */
export function agentEnv(
  root: string,
  agent: AgentPlace,
  token: string,
  gt?: GtInvocation,
): Record<string, string> {
  const { id, address } = agent;
  const env: Partial<Record<(typeof AGENT_SESSION_VARS)[number], string>> = {
    GT_ROLE: address,
    BD_ACTOR: address,
    GT_TOWN_ROOT: root,
    GT_SESSION: agent.session,
    GT_AGENT_TOKEN: token,
  };
  if (id.role !== 'mayor' && id.role !== 'deacon') env.GT_RIG = id.rig;
  if (id.role === 'crew') env.GT_CREW = id.name;
  if (gt !== undefined) env.PATH = pathWithGt(gt);
  return env;
}
