// The environment an agent's session gets at creation.
import type { Identity } from '../town/identity.js';
import { formatAddress } from '../town/identity.js';

/** BD_ACTOR and GT_ROLE carry the canonical address; GT_AGENT_TOKEN is the session's secret. */
export function agentEnv(root: string, id: Identity, token: string): Record<string, string> {
  const address = formatAddress(id);
  return { GT_ROLE: address, BD_ACTOR: address, GT_TOWN_ROOT: root, GT_AGENT_TOKEN: token };
}
