// What a hook gives a gt command on its standard input: JSON, read whole but bounded, and
// nothing at all when standard input is a terminal (a person running the command by hand).
import { readSync } from 'node:fs';

const MAX_BYTES = 1024 * 1024;

export function readHookInput(): Record<string, unknown> {
  if (process.stdin.isTTY) return {};
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    let got: number;
    try {
      got = readSync(0, buffer, 0, buffer.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      break; // no standard input at all: nothing to read
    }
    if (got === 0 || total >= MAX_BYTES) break;
    chunks.push(Buffer.from(buffer.subarray(0, got)));
    total += got;
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * How a hook's output reaches the model: `text` is read as context as it is (Claude Code,
 * Codex); Gemini CLI shows plain text to the person only and gives the model just the
 * `additionalContext` of a JSON answer.
 */
export const HOOK_FORMATS = ['text', 'gemini'] as const;

export const HOOK_FORMAT_OPTION = [
  '--hook-format <format>',
  `for agent hooks: how context is written (${HOOK_FORMATS.join(', ')})`,
  'text',
] as const;

/** Context for the model as the runtime's hook reads it ('' stays '': nothing to add). */
export function hookContext(text: string, format: string | undefined): string {
  if (format !== 'gemini' || text === '') return text;
  return `${JSON.stringify({ hookSpecificOutput: { additionalContext: text } })}\n`;
}
