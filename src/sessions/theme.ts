// Session colours and status line, pure and deterministic: a rig's colour comes from a fixed
// palette by FNV-1a hash of its name, so every agent of a rig shares it; mayor gold, deacon purple.
import { InternalError } from '../errors.js';
import type { AgentPlace, Identity, Role } from '../town/identity.js';
import { assertNever } from '../town/identity.js';
import { fnv1a32 } from '../util/fnv.js';
import type { SessionTheme } from './host.js';

export interface ColourPair {
  readonly bg: string;
  readonly fg: string;
}

/** Ten rig colours, each readable with its text colour. Order matters: hashes index it. */
export const RIG_PALETTE: readonly ColourPair[] = [
  { bg: 'colour24', fg: 'colour231' }, // steel blue
  { bg: 'colour28', fg: 'colour231' }, // green
  { bg: 'colour124', fg: 'colour231' }, // red
  { bg: 'colour30', fg: 'colour231' }, // teal
  { bg: 'colour166', fg: 'colour232' }, // orange
  { bg: 'colour61', fg: 'colour231' }, // slate blue
  { bg: 'colour94', fg: 'colour231' }, // brown
  { bg: 'colour162', fg: 'colour231' }, // magenta
  { bg: 'colour67', fg: 'colour232' }, // grey blue
  { bg: 'colour107', fg: 'colour232' }, // olive
];

export const MAYOR_COLOURS: ColourPair = { bg: 'colour178', fg: 'colour232' }; // gold
export const DEACON_COLOURS: ColourPair = { bg: 'colour91', fg: 'colour231' }; // purple

export const ROLE_ICONS: Readonly<Record<Role, string>> = {
  mayor: '🎩',
  deacon: '⛪',
  witness: '👁',
  refinery: '🏭',
  crew: '👷',
};

export function rigColours(rig: string): ColourPair {
  const pair = RIG_PALETTE[fnv1a32(rig) % RIG_PALETTE.length];
  if (pair === undefined) throw new InternalError('empty palette');
  return pair;
}

export function coloursFor(id: Identity): ColourPair {
  switch (id.role) {
    case 'mayor':
      return MAYOR_COLOURS;
    case 'deacon':
      return DEACON_COLOURS;
    case 'witness':
    case 'refinery':
    case 'crew':
      return rigColours(id.rig);
    default:
      return assertNever(id);
  }
}

/** Role icon and canonical address, e.g. `👷 gastown/crew/max`. Plain text, not a tmux format. */
export function statusLine(agent: Pick<AgentPlace, 'id' | 'address'>): string {
  return `${ROLE_ICONS[agent.id.role]} ${agent.address}`;
}

/** The agent's colours and status line; `statusJob` (its unread mail) leads the right side. */
export function themeFor(
  agent: Pick<AgentPlace, 'id' | 'address'>,
  statusJob?: readonly string[],
): SessionTheme {
  const { id } = agent;
  const { bg, fg } = coloursFor(id);
  const right = id.role === 'mayor' || id.role === 'deacon' ? 'town' : `rig ${id.rig}`;
  return { bg, fg, statusLeft: statusLine(agent), statusRight: right, statusJob };
}
