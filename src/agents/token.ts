// An agent's secret: each session gets a fresh GT_AGENT_TOKEN, the store keeps only its hash,
// and a process that presents it may speak for that agent (a verified sender).
import { randomHex } from '../util/random.js';
import { constantTimeEqual, sha256Hex } from '../util/hash.js';
import type { Identity } from '../town/identity.js';
import { formatAddress } from '../town/identity.js';
import type { Store } from '../store/store.js';

export function newAgentToken(): string {
  return randomHex(32);
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}

/** True when `token` is the secret the daemon gave `sender`'s current session. */
export async function isVerifiedSender(
  store: Store,
  sender: Identity,
  token: string | undefined,
): Promise<boolean> {
  if (token === undefined || token.length === 0) return false;
  const agent = await store.getAgent(formatAddress(sender));
  if (agent?.tokenHash == null) return false;
  return constantTimeEqual(agent.tokenHash, hashToken(token));
}
