// What each channel type sends, and how its answer reads: a webhook's JSON POST, an ntfy topic's
// POST, a user's command with the notification as JSON on its standard input (never in argv,
// never through a shell), notify-send on a desktop. Each within the time limit it is given.
import { spawn } from 'node:child_process';
import { errorMessage } from '../errors.js';
import type { Notification } from '../store/store.js';
import type { NotifyChannel } from '../town/settings-notify.js';

/** How an attempt went: taken, or an error (permanent: no retry can help). */
export interface Attempt {
  error?: string;
  permanent?: boolean;
}

/** The JSON a webhook (and a command) receives: `text` for chat webhooks, the rest for scripts. */
export function notificationJson(n: Notification): Record<string, unknown> {
  const title = titleOf(n);
  return {
    id: n.id,
    kind: n.kind,
    agent: n.identity,
    title,
    repeats: n.repeats,
    text: n.text === '' ? title : `${title}\n${n.text}`,
    detail: n.text,
    created_at: new Date(n.createdAt).toISOString(),
  };
}

/** A notification's title; a folded count says how many it stands for. */
export function titleOf(n: Notification): string {
  if (n.phase === 0) return n.title;
  const since = new Date(n.createdAt).toTimeString().slice(0, 5);
  return `${n.title} (${n.repeats} more ${n.repeats === 1 ? 'time' : 'times'} since ${since})`;
}

/** ntfy's priority for a kind: a person is needed now (4), soon (3), or only told (2). */
export function ntfyPriority(kind: string): number {
  if (['blocked', 'held', 'parked', 'dead_letter', 'daemon_restarted'].includes(kind)) return 4;
  return kind === 'done' ? 2 : 3;
}

async function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<Attempt> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    await res.body?.cancel().catch(() => undefined);
    return res.ok ? {} : { error: `HTTP ${res.status}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    if ((err as Error).name === 'TimeoutError')
      return { error: `no answer within ${timeoutMs} ms` };
    return { error: typeof cause === 'string' ? cause : errorMessage(err) };
  }
}

/** A header value without line breaks (ntfy's title comes from agent text). */
const headerText = (text: string): string => text.replace(/[\r\n]+/g, ' ').slice(0, 250);

/** Runs argv (no shell) with `input` on stdin; taken when it exits 0 within the time limit. */
function run(argv: readonly string[], input: string, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const [file = '', ...args] = argv;
    const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'pipe'], timeout: timeoutMs });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-500)));
    child.stdin.on('error', () => undefined); // a program that does not read its input
    child.on('error', (err: NodeJS.ErrnoException) =>
      resolve({
        error: err.code === 'ENOENT' ? `${file} not found` : errorMessage(err),
        permanent: err.code === 'ENOENT',
      }),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve({});
      else if (signal === 'SIGTERM') resolve({ error: `${file} took longer than ${timeoutMs} ms` });
      else
        resolve({
          error: `${file} exited ${code ?? signal ?? '?'}${stderr ? `: ${stderr.trim()}` : ''}`,
        });
    });
    child.stdin.end(input);
  });
}

/** One attempt to deliver `n` on `channel`. */
export function deliverOn(
  channel: NotifyChannel,
  n: Notification,
  timeoutMs: number,
): Promise<Attempt> {
  const id = { 'x-gt-notification-id': n.id };
  switch (channel.type) {
    case 'webhook': {
      const headers = { ...channel.headers, 'content-type': 'application/json', ...id };
      return post(channel.url ?? '', headers, JSON.stringify(notificationJson(n)), timeoutMs);
    }
    case 'ntfy': {
      const headers = {
        ...channel.headers,
        ...id,
        title: headerText(titleOf(n)),
        priority: String(channel.priority ?? ntfyPriority(n.kind)),
        tags: n.kind,
      };
      return post(channel.url ?? '', headers, n.text === '' ? titleOf(n) : n.text, timeoutMs);
    }
    case 'command':
      return run(channel.command ?? [], `${JSON.stringify(notificationJson(n))}\n`, timeoutMs);
    case 'desktop': {
      const urgency = ntfyPriority(n.kind) >= 4 ? 'critical' : 'normal';
      const argv = ['notify-send', '--app-name=gastown-ts', `--urgency=${urgency}`, '--'];
      return run([...argv, titleOf(n), n.text], '', timeoutMs);
    }
  }
}
