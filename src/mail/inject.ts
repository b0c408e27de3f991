// `gt mail check --inject`: the unread mail as one block of context for an agent, printed by
// its runtime's prompt hook (Claude Code's UserPromptSubmit) before each prompt.
import type { Message, Priority } from '../store/store.js';
import { oneLine } from '../util/text.js';

const RANK: Readonly<Record<Priority, number>> = { urgent: 0, high: 1, normal: 2, low: 3 };
/** The most listed one by one; the rest are counted. */
const MAX_LISTED = 10;
const MAX_SUBJECT = 160;

function shortSubject(subject: string): string {
  const line = oneLine(subject);
  return line.length > MAX_SUBJECT ? `${line.slice(0, MAX_SUBJECT)}…` : line;
}

/** The block for `owner`'s unread mail; '' when there is none (the hook then adds nothing). */
export function injectionBlock(owner: string, unread: readonly Message[]): string {
  if (unread.length === 0) return '';
  const sorted = [...unread].sort((a, b) => RANK[a.priority] - RANK[b.priority] || b.seq - a.seq);
  const urgent = sorted.filter((m) => m.priority === 'urgent').length;
  const n = sorted.length;
  const head =
    `📬 ${n} unread message${n === 1 ? '' : 's'} for ${owner} in your Gas Town inbox` +
    (urgent > 0 ? ` (${urgent} urgent: read ${urgent === 1 ? 'it' : 'them'} first)` : '') +
    ':';
  const lines = sorted.slice(0, MAX_LISTED).map((m) => {
    const tag = m.priority === 'normal' || m.priority === 'low' ? '' : ` [${m.priority}]`;
    return `- ${m.id} from ${oneLine(m.from)}${tag}: ${shortSubject(m.subject)}`;
  });
  if (n > MAX_LISTED) lines.push(`- … and ${n - MAX_LISTED} more`);
  const tail = 'Read one with `gt mail read <id>`; `gt mail inbox` lists them all.';
  return ['<system-reminder>', head, ...lines, tail, '</system-reminder>', ''].join('\n');
}
