// An agent resolved once, where its address enters (a command's argument, a hook, a dashboard
// route, a store row): its identity, canonical address, session, work dir, runtime and command,
// handed down whole instead of each layer formatting them again.
import type { AgentPlace, Identity } from '../town/identity.js';
import { parseIdentity, placeOf } from '../town/identity.js';
import type { Settings } from '../town/settings.js';
import { commandOf, runtimeOf } from './runtime/index.js';
import type { RuntimeProfile } from './runtime/profile.js';

export interface ResolvedAgent extends AgentPlace {
  /** The runtime its role runs (agents.<role>.runtime, else told by its command). */
  readonly runtime: RuntimeProfile;
  /** The command its session runs. */
  readonly command: string;
}

export function resolveAgent(
  town: { root: string; settings: Settings },
  id: Identity | string,
): ResolvedAgent {
  const identity = typeof id === 'string' ? parseIdentity(id) : id;
  return {
    ...placeOf(town.root, identity),
    runtime: runtimeOf(town.settings, identity.role),
    command: commandOf(town.settings, identity.role),
  };
}
