// A real `gt dashboard` for tests: spawned as a user starts it, its URL and key read from what
// it prints; and a small server-sent events reader over fetch.
import { spawn } from 'node:child_process';
import { GT_BIN } from '../helpers/cli.js';
import { onCleanup, waitFor } from '../helpers/temp.js';

export interface RunningDashboard {
  /** The origin, e.g. http://127.0.0.1:43123 */
  base: string;
  token: string;
  port: number;
  output: () => string;
  pid: number;
  exited: Promise<number | null>;
}

export async function startDashboard(
  env: Record<string, string>,
  args: readonly string[] = [],
): Promise<RunningDashboard> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('GT_')),
  );
  const child = spawn(
    process.execPath,
    [GT_BIN, 'dashboard', '--port', '0', '--refresh', '200', ...args],
    { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  });
  const m = await waitFor('the dashboard to print its URL', () => {
    if (child.exitCode !== null) throw new Error(`gt dashboard exited: ${out}`);
    return /at (http:\/\/[^/]+)\/\?token=([A-Za-z0-9_-]+)/.exec(out) ?? undefined;
  });
  const base = m[1] ?? '';
  return {
    base,
    token: m[2] ?? '',
    port: Number(new URL(base).port),
    output: () => out,
    pid: child.pid ?? 0,
    exited,
  };
}

export interface SseMessage {
  event: string;
  id: string | undefined;
  data: string;
  /** When it arrived (Date.now()). */
  at: number;
}

export interface SseStream {
  messages: SseMessage[];
  status: number;
  close(): void;
}

function parseBlock(block: string): SseMessage | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const at = line.indexOf(':');
    const field = at < 0 ? line : line.slice(0, at);
    const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { event, id, data: data.join('\n'), at: Date.now() };
}

/** Opens GET /api/events and collects what arrives until closed (closed after the test). */
export async function openEvents(
  base: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/events`, { headers, signal: abort.signal });
  const messages: SseMessage[] = [];
  const stream: SseStream = { messages, status: res.status, close: () => abort.abort() };
  onCleanup(() => abort.abort());
  if (res.body === null) return stream;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: '', done: true }));
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const message = parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (message !== undefined) messages.push(message);
      }
    }
  })();
  return stream;
}

/** The store events (not status) a stream has seen, parsed. */
export function storeEvents(
  stream: SseStream,
): Array<{ seq: number; kind: string } & Record<string, unknown>> {
  return stream.messages
    .filter((m) => m.event === 'message')
    .map((m) => JSON.parse(m.data) as { seq: number; kind: string });
}
