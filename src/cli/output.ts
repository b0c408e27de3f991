// Standard output of gt commands, written with write(2) on fd 1.
//
// Most commands print a line or two and exit. Going through process.stdout would first
// build the stream behind it: the stream classes, and for a pipe node:net as well, 2 to
// 3 ms of a 60 ms command. A plain write is the same bytes in the same order (Node's own
// stdout writes synchronously to files, terminals and pipes on Linux). A pipe left
// non-blocking by whoever made it (EAGAIN) hands the rest to process.stdout, which waits
// for room; a closed pipe (`gt mail inbox | head`) ends the command quietly.
import { writeSync } from 'node:fs';

/**
 * Writes `bytes` to `fd` with write(2) until done, or until the fd would block (EAGAIN:
 * a full non-blocking pipe); then hands what is left to `rest`. Other errors throw.
 */
export function writeOrHandOver(fd: number, bytes: Buffer, rest: (left: Buffer) => void): void {
  let at = 0;
  try {
    while (at < bytes.length) at += writeSync(fd, bytes, at);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    rest(bytes.subarray(at));
  }
}

let useStream = false;

/**
 * process.stdout, for what writes to it as a stream (the daemon's log echo); from then on
 * this module writes through it too, so lines keep their order. A closed pipe still ends
 * the command quietly.
 */
export function stdoutStream(): NodeJS.WriteStream {
  if (!useStream) {
    useStream = true;
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  return process.stdout;
}

function viaStream(bytes: Buffer): void {
  stdoutStream().write(bytes);
}

export function writeStdout(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  if (useStream) return viaStream(bytes);
  try {
    writeOrHandOver(1, bytes, viaStream);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  }
}
