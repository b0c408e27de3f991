// What a hook gives a gt command on its standard input: JSON, read whole but bounded, and
// nothing at all when standard input is a terminal (a person running the command by hand).
import { HOOK_FORMATS, parseHookInput } from '../agents/hook-run.js';
import { MAX_HOOK_INPUT_BYTES, readAllStdin } from '../util/stdin.js';

export { hookContext } from '../agents/hook-run.js';

/** Standard input already read by the hook's fast path (bin.ts) before this command ran. */
declare global {
  var __gtHookInput: Buffer | undefined;
}

export function readHookInput(): Record<string, unknown> {
  const early = globalThis.__gtHookInput;
  if (early !== undefined) return parseHookInput(early);
  if (process.stdin.isTTY) return {};
  return parseHookInput(readAllStdin(MAX_HOOK_INPUT_BYTES));
}

export const HOOK_FORMAT_OPTION = [
  '--hook-format <format>',
  `for agent hooks: how context is written (${HOOK_FORMATS.join(', ')})`,
  'text',
] as const;
