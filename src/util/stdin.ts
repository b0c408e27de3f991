// Standard input read whole, synchronously and bounded: what a hook gives a gt command.
import { readSync } from 'node:fs';

/** How much of a hook's standard input is read: its JSON is a few kB at most. */
export const MAX_HOOK_INPUT_BYTES = 1024 * 1024;

/** Standard input up to about `max` bytes; empty when there is none. */
export function readAllStdin(max: number): Buffer {
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
    if (got === 0 || total >= max) break;
    chunks.push(Buffer.from(buffer.subarray(0, got)));
    total += got;
  }
  return Buffer.concat(chunks);
}
