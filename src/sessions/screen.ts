// Reading agents' screens and typing into them: every live agent's visible screen in one tmux
// invocation, named keys, and text pasted whole (bracketed paste) from the client's standard
// input (or written, escaped, into the daemon's control-mode client's), so no argv and no shell
// ever holds it.
import { randomHex } from '../util/random.js';
import { sleep } from '../util/wait.js';
import { InternalError } from '../errors.js';
import { SessionNotFoundError, TmuxNoServerError } from './errors.js';
import { checkSessionName, sessionTarget } from './tmux-args.js';
import type { TmuxClient } from './tmux-client.js';

/** Names tmux's send-keys takes for the keys gastown-ts presses. */
const KEYS = new Set(['Up', 'Down', 'Enter', 'Escape', 'C-u']);
const MARK = '\u001egt-screen ';

function pane(name: string): string {
  return `${sessionTarget(name)}^.0`;
}

/** Splits a batch's output at each session's mark line. */
export function splitScreens(out: string): Map<string, string[]> {
  const screens = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith(MARK)) {
      current = [];
      screens.set(line.slice(MARK.length), current);
    } else current?.push(line);
  }
  for (const lines of screens.values()) if (lines[lines.length - 1] === '') lines.pop();
  return screens;
}

/** The visible screen of each session; a session that is gone is left out. */
export async function captureScreens(
  client: TmuxClient,
  names: readonly string[],
): Promise<Map<string, string[]>> {
  if (names.length === 0) return new Map();
  const commands = names.flatMap((name) => [
    ['display-message', '-p', '-t', pane(checkSessionName(name)), `${MARK}${name}`],
    ['capture-pane', '-p', '-J', '-t', pane(name)],
  ]);
  try {
    return splitScreens(await client.run('capture-pane', commands));
  } catch (err) {
    if (err instanceof TmuxNoServerError) return new Map();
    // One session gone ends the whole batch: ask for each on its own.
    if (names.length === 1) return new Map();
    const each = await Promise.all(names.map((n) => captureScreens(client, [n])));
    return new Map(each.flatMap((m) => [...m]));
  }
}

export async function sendKeys(
  client: TmuxClient,
  name: string,
  keys: readonly string[],
): Promise<void> {
  for (const key of keys)
    if (!KEYS.has(key)) throw new InternalError(`not a key gt presses: ${key}`);
  if (keys.length === 0) return;
  await client.run('send-keys', [['send-keys', '-t', pane(checkSessionName(name)), ...keys]], {
    session: name,
  });
}

/**
 * Pastes `text` into the session as one bracketed paste, then presses `keys` (at once, or
 * after `delayMs` for CLIs that take an Enter right after a paste as a newline).
 */
export async function pasteText(
  client: TmuxClient,
  name: string,
  text: string,
  then: { keys: readonly string[]; delayMs: number },
): Promise<void> {
  const buffer = `gt-paste-${randomHex(6)}`;
  const target = pane(checkSessionName(name));
  const paste = [
    ['load-buffer', '-b', buffer, '-'],
    ['paste-buffer', '-p', '-d', '-b', buffer, '-t', target],
  ];
  const keys = then.keys.length === 0 ? [] : [['send-keys', '-t', target, ...then.keys]];
  try {
    if (then.delayMs <= 0) {
      await client.run('paste-buffer', [...paste, ...keys], { session: name, input: text });
      return;
    }
    await client.run('paste-buffer', paste, { session: name, input: text });
    await sleep(then.delayMs);
    if (keys.length > 0) await client.run('send-keys', keys, { session: name });
  } catch (err) {
    if (err instanceof TmuxNoServerError) throw new SessionNotFoundError(name, client.socket);
    throw err;
  }
}
