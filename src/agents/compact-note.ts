// The note an agent leaves when its context is about to be compacted and its role hands off
// instead (agents.<role>.on_compact: handoff): what it was asked last and what it said last,
// read from the end of its transcript (JSON lines, as Claude Code keeps it).
import { readTail } from '../util/fs.js';
import { printable } from '../util/text.js';

const TAIL_BYTES = 2 * 1024 * 1024;
const MAX_CHARS = 1500;

interface Line {
  type?: unknown;
  isMeta?: unknown;
  message?: { role?: unknown; content?: unknown };
}

/** The plain text of a message's content: a string, or its text blocks (tool results left out). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is { type: 'text'; text: string } => {
      const block = b as { type?: unknown; text?: unknown };
      return block.type === 'text' && typeof block.text === 'string';
    })
    .map((b) => b.text)
    .join('\n');
}

function parse(line: string): Line | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined; // the tail's first line is cut, or a line is not JSON
  }
}

const cut = (text: string): string =>
  text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}…` : text;

/** The last prompt a person or gt gave, and the last reply, from a transcript's text. */
export function lastExchange(transcript: string): { asked: string; said: string } {
  let asked = '';
  let said = '';
  const lines = transcript.split('\n').reverse();
  for (const raw of lines) {
    if (asked !== '' && said !== '') break;
    const line = parse(raw);
    const text = textOf(line?.message?.content).trim();
    // A slash command (/compact itself) and the CLI's own notes are no one's prompt.
    if (text === '' || line?.isMeta === true || /^<(command|local-command)-/.test(text)) continue;
    if (line?.type === 'user' && asked === '') asked = text;
    else if (line?.type === 'assistant' && said === '') said = text;
  }
  return { asked: cut(printable(asked)), said: cut(printable(said)) };
}

/** The handoff note for an agent about to be compacted; its transcript where known. */
export function compactNote(transcriptPath: string | null, trigger: string): string {
  const { asked, said } =
    transcriptPath === null
      ? { asked: '', said: '' }
      : lastExchange(readTail(transcriptPath, TAIL_BYTES));
  const lines = [
    `Your predecessor's context was about to be compacted (${trigger}), so it handed off to you instead.`,
  ];
  if (asked !== '') lines.push('', 'The last prompt it was given:', '', quote(asked));
  if (said !== '') lines.push('', 'What it said last:', '', quote(said));
  lines.push(
    '',
    'Pick the work up from there: git status and git log for where the work stands, gt mail inbox for your mail.',
  );
  return lines.join('\n');
}

const quote = (text: string): string => `> ${text.split('\n').join('\n> ')}`;
