// An agent's context at the start of a session (`gt prime`, Claude Code's SessionStart hook):
// who it is, where it works, its unread mail and the handoff notes its predecessor left it;
// and the first prompt a cycled agent gets, which carries that context where no hook does.
import type { Message, Store } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, sessionName, workDirPath } from '../town/identity.js';
import { readTownMarker } from '../town/layout.js';
import type { Settings } from '../town/settings.js';
import { printable } from '../util/text.js';
import type { AgentContext } from './context.js';
import { queueNudge } from './nudges/queue.js';
import type { ResolvedAgent } from './resolve.js';

/** The subject Gas Town's handoff notes start with (lifecycle/handoff.ts writes them). */
export const HANDOFF_MARK = '🤝 HANDOFF';
/** Notes shown at most, newest first; the rest are counted. */
const MAX_NOTES = 3;
const MAX_NOTE_CHARS = 4000;

export interface PrimeFacts {
  id: Identity;
  root: string;
  townName: string;
  unread: number;
  /** Unread handoff notes to the agent, newest first. */
  notes: readonly Message[];
}

function roleLine(id: Identity): string {
  switch (id.role) {
    case 'mayor':
      return 'the mayor: you coordinate the town and dispatch its work';
    case 'deacon':
      return 'the deacon: you watch over the town’s agents';
    case 'witness':
      return `the witness of rig ${id.rig}: you watch its workers`;
    case 'refinery':
      return `the refinery of rig ${id.rig}: you work its merge queue`;
    case 'crew':
      return `crew member ${id.name} of rig ${id.rig}: you work in your own clone`;
  }
}

function noteText(m: Message): string {
  const body = printable(m.body);
  const cut = body.length > MAX_NOTE_CHARS ? `${body.slice(0, MAX_NOTE_CHARS)}…` : body;
  return [
    `### ${printable(m.subject)}`,
    `(${m.id}, from ${m.from}, ${new Date(m.createdAt).toISOString()})`,
    cut,
  ].join('\n');
}

export function primeText(f: PrimeFacts): string {
  const address = formatAddress(f.id);
  const lines = [
    `# Gas Town: you are ${address}`,
    `You are ${roleLine(f.id)}.`,
    `Town ${f.townName} at ${f.root}; your work dir is ${workDirPath(f.root, f.id)}; tmux session ${sessionName(f.id)}.`,
    `Mail: ${f.unread} unread (gt mail inbox; gt mail read <id>; gt mail mark-read <id> when done).`,
    'To hand off to a fresh session when your context fills up: gt handoff -s SUBJECT -m NOTE.',
  ];
  if (f.notes.length > 0) {
    lines.push('', `## Handoff notes left for you (${f.notes.length})`);
    for (const note of f.notes.slice(0, MAX_NOTES)) lines.push('', noteText(note));
    if (f.notes.length > MAX_NOTES)
      lines.push('', `… and ${f.notes.length - MAX_NOTES} older ones in your inbox.`);
  }
  return `${lines.join('\n')}\n`;
}

/** Reads what `primeText` needs from the town and the store. */
export async function primeFacts(store: Store, root: string, id: Identity): Promise<PrimeFacts> {
  const address = formatAddress(id);
  const unread = await store.listInbox(address, { unreadOnly: true });
  let townName = '';
  try {
    townName = readTownMarker(root).name;
  } catch {
    // a town marker gt cannot read still leaves the agent its own context
  }
  // Its own notes, and the daemon's (left when it cycles an agent whose context filled up).
  const notes = unread.filter(
    (m) =>
      m.subject.startsWith(HANDOFF_MARK) &&
      (m.from === address || (m.from === 'deacon' && m.senderVerified)),
  );
  return { id, root, townName, unread: unread.length, notes };
}

const DEFAULT_STARTUP =
  'You are the fresh session of an agent that handed off. Read your handoff note and carry on with the work it describes; when you finish with the note, mark it read.';

/**
 * The first prompt of a cycled agent. A runtime whose hook already put the context before the
 * model (Claude Code's SessionStart) gets the short instruction; any other gets the context in it.
 */
export function startupPrompt(settings: Settings, facts: PrimeFacts, hooks: boolean): string {
  const instruction = settings.agents[facts.id.role].startup_prompt ?? DEFAULT_STARTUP;
  return hooks ? instruction : `${primeText(facts)}\n${instruction}`;
}

/**
 * Queues the successor's first prompt, delivered once it is ready (nudges/deliver.ts): its
 * model's first request then carries the handoff note. A shell runtime has no model to prompt.
 */
export async function queueStartupPrompt(
  ctx: Pick<AgentContext, 'root' | 'settings' | 'store' | 'onEvent'>,
  agent: ResolvedAgent,
): Promise<void> {
  const { runtime } = agent;
  if (!runtime.capabilities.model) return;
  const facts = await primeFacts(ctx.store, ctx.root, agent.id);
  const text = startupPrompt(ctx.settings, facts, runtime.hooks !== null);
  const reason = 'first prompt of the new session';
  await queueNudge(ctx, { to: agent.address, from: 'deacon', text, reason }, { poke: false });
}
