// Where mail can go: an agent, every agent of a rig (`<rig>/`), or the overseer (the human,
// whose inbox no session reads). Stored and printed as canonical addresses.
import { BadIdentityError } from '../errors.js';
import { townAgents } from '../town/agents.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, parseIdentity, validateName } from '../town/identity.js';
import { requireKnownIdentity, rigEntry } from '../town/layout.js';

/** The human's inbox. */
export const OVERSEER = 'overseer';

export type Recipient =
  { kind: 'agent'; id: Identity } | { kind: 'rig'; rig: string } | { kind: 'overseer' };

/** Parses an address as a recipient: an agent's address, `<rig>/`, or `overseer`. */
export function parseRecipient(text: string): Recipient {
  if (text === OVERSEER || text === `${OVERSEER}/`) return { kind: 'overseer' };
  const single = /^([^/]+)\/$/.exec(text);
  if (single !== null && single[1] !== 'mayor' && single[1] !== 'deacon') {
    try {
      return { kind: 'rig', rig: validateName('rig', single[1] ?? '') };
    } catch (err) {
      throw new BadIdentityError(
        `invalid address ${JSON.stringify(text)}: ${(err as Error).message}`,
      );
    }
  }
  return { kind: 'agent', id: parseIdentity(text) };
}

/** An inbox owner: an agent's address or the overseer; never a whole rig. */
export function parseMailbox(text: string): string {
  const recipient = parseRecipient(text);
  if (recipient.kind === 'rig')
    throw new BadIdentityError(`${text} is every agent of a rig, not one inbox`);
  return recipient.kind === 'overseer' ? OVERSEER : formatAddress(recipient.id);
}

/**
 * The canonical addresses a recipient stands for in this town; throws (exit 2) when the agent
 * or rig does not exist here.
 */
export function expandRecipient(root: string, recipient: Recipient): string[] {
  switch (recipient.kind) {
    case 'overseer':
      return [OVERSEER];
    case 'agent':
      requireKnownIdentity(root, recipient.id);
      return [formatAddress(recipient.id)];
    case 'rig':
      rigEntry(root, recipient.rig);
      return townAgents(root)
        .filter((id) => id.role !== 'mayor' && id.role !== 'deacon' && id.rig === recipient.rig)
        .map(formatAddress);
  }
}
