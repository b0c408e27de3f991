// The daemon's own tmux client in control mode (tmux -C): commands go in as lines and their
// answers come back between %begin and %end, so a look at the agents' screens or a key pressed
// costs no process (each tmux call otherwise forks the daemon, the largest part of its CPU).
//
// A control client must be attached to a session. It attaches to one of the town's with
// ignore-size (the session's size stays its own) and no-output (the panes' output is not
// streamed to it); when that session ends tmux detaches it, and the next command attaches it
// again, to the session that command is about. A command that never got its answer because
// the client went away is handed back (ControlClosedError) for the caller to run itself: tmux
// sends a client what it has answered before it lets the client go, so a command with no
// answer is taken not to have run.
//
// tmux's attach-session starts a server when none answers (and that server, finding no
// session, exits at once: a tmux process that connected to it meanwhile reads "server exited
// unexpectedly", a `gt session start` fails). So the client is started with -N (never a
// server), and only once the socket has taken a connection; until then, and while it starts,
// commands are handed back to run as processes.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { sessionTarget } from './tmux-args.js';

/** The commands that may go over the channel: they read, press named keys, or paste. */
const CONTROL_COMMANDS = new Set([
  'capture-pane',
  'display-message',
  'list-clients',
  'list-panes',
  'paste-buffer',
  'refresh-client',
  'send-keys',
  'set-buffer',
  'show-environment',
]);

/** Text pasted over the channel at most (larger goes in on a client's standard input). */
const MAX_INLINE_INPUT = 64 * 1024;

/** How long after the client went away before another is started (a server gone, say). */
const REOPEN_AFTER_MS = 500;

/** The client went away before answering; the command did not run. */
export class ControlClosedError extends Error {}

/** tmux answered %error: its words, as a client would have printed them on stderr. */
export class ControlCommandError extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

/** No answer in time; the client is ended (its stream can no longer be matched to requests). */
export class ControlTimeoutError extends Error {}

/** Characters an argument keeps as they are; every other byte is written as an octal escape. */
const PLAIN = /^[A-Za-z0-9 _.,:=@^+\-/%]$/;

/**
 * One argument as tmux's command parser reads it back: double-quoted, every byte but the
 * plainest as \ooo (so no quote, $, ~, ;, newline or byte outside ASCII means anything to it).
 */
export function quoteArg(arg: string): string {
  let out = '"';
  for (const ch of arg) {
    if (PLAIN.test(ch)) out += ch;
    else
      for (const byte of Buffer.from(ch, 'utf8')) out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** Commands as one control-mode line; undefined when one of them may not go over the channel. */
export function controlLine(commands: ReadonlyArray<readonly string[]>): string | undefined {
  const ok = commands.every(
    (cmd) => CONTROL_COMMANDS.has(cmd[0] ?? '') && cmd.every((arg) => !arg.includes('\0')),
  );
  if (!ok || commands.length === 0) return undefined;
  return commands.map((cmd) => cmd.map(quoteArg).join(' ')).join(' ; ');
}

/**
 * The commands with a client's standard input written into them: `load-buffer -b NAME -`
 * becomes `set-buffer -b NAME -- <input>`. Undefined when the input is too large to inline.
 */
export function inlineInput(
  commands: ReadonlyArray<readonly string[]>,
  input: string | undefined,
): ReadonlyArray<readonly string[]> | undefined {
  if (input === undefined) return commands;
  if (input.length > MAX_INLINE_INPUT) return undefined;
  return commands.map((cmd) =>
    cmd[0] === 'load-buffer' && cmd[1] === '-b' && cmd[3] === '-' && cmd.length === 4
      ? ['set-buffer', '-b', cmd[2] ?? '', '--', input]
      : cmd,
  );
}

/** The session named by the commands' first exact target (=name:…). */
export function targetSession(commands: ReadonlyArray<readonly string[]>): string | undefined {
  for (const cmd of commands) {
    const i = cmd.indexOf('-t');
    const m = i < 0 ? null : /^=([^:]+):/.exec(cmd[i + 1] ?? '');
    if (m?.[1] !== undefined) return m[1];
  }
  return undefined;
}

type Client = ChildProcessByStdio<Writable, Readable, null>;

interface Pending {
  blocks: number;
  out: string[];
  timer: NodeJS.Timeout;
  resolve(out: string): void;
  reject(err: Error): void;
}

const BEGIN_RE = /^%begin \d+ (\d+) (\d+)$/;

export class ControlChannel {
  private child: Client | undefined;
  private readonly queue: Pending[] = [];
  private partial = '';
  private block: { num: string; ours: boolean; lines: string[] } | undefined;
  private closedAt = -Infinity;
  /** A connection to the socket is under way; the client is started when it is taken. */
  private probing = false;
  /** Counts close(): a probe that outlived a close starts no client. */
  private closes = 0;
  /** A session of the town the client may attach to when a command names none. */
  private lastSession: string | undefined;

  constructor(
    private readonly args: readonly string[],
    private readonly socketPath: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly timeoutMs: number,
  ) {}

  /** A session of the town the client may attach to (one listed, say). */
  know(session: string | undefined): void {
    if (this.child === undefined && session !== undefined) this.lastSession = session;
  }

  /**
   * Runs the commands over the channel, or undefined when it cannot take them (a command not
   * among CONTROL_COMMANDS, no session to attach to, the client not yet started or just gone).
   */
  run(commands: ReadonlyArray<readonly string[]>, session?: string): Promise<string> | undefined {
    const line = controlLine(commands);
    const named = session ?? targetSession(commands);
    if (named !== undefined) this.lastSession = named;
    if (line === undefined || !this.open(named ?? this.lastSession)) return undefined;
    const child = this.child;
    if (child === undefined) return undefined;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.timedOut(), this.timeoutMs);
      this.queue.push({ blocks: commands.length, out: [], timer, resolve, reject });
      child.stdin.write(`${line}\n`);
    });
  }

  /** Ends the client; commands waiting for an answer are handed back. */
  close(): void {
    this.closes++;
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    this.block = undefined;
    this.partial = '';
    this.closedAt = performance.now();
    this.lastSession = undefined; // most often the session whose end took the client with it
    child.stdin.end();
    child.kill('SIGTERM');
    for (const p of this.queue.splice(0)) {
      clearTimeout(p.timer);
      p.reject(new ControlClosedError('the tmux control client went away'));
    }
  }

  private open(session: string | undefined): boolean {
    if (this.child !== undefined) return true;
    if (this.probing || session === undefined) return false;
    if (performance.now() - this.closedAt < REOPEN_AFTER_MS) return false;
    this.probe(session);
    return false;
  }

  /** Starts the client once the server has taken a connection (never a server of its own). */
  private probe(session: string): void {
    this.probing = true;
    const closes = this.closes;
    const sock = connect(this.socketPath);
    sock.unref();
    sock.once('connect', () => {
      sock.destroy();
      this.probing = false;
      if (this.child === undefined && closes === this.closes) this.attach(session);
    });
    sock.once('error', () => {
      this.probing = false;
      this.closedAt = performance.now();
    });
  }

  private attach(session: string): void {
    const child = spawn(
      'tmux',
      [
        ...this.args,
        // Never a server of its own should the town's exit between the probe and the attach.
        '-N',
        '-C',
        'attach-session',
        '-t',
        sessionTarget(session),
        '-f',
        'ignore-size,no-output',
      ],
      { env: this.env, stdio: ['pipe', 'pipe', 'ignore'] },
    );
    this.child = child;
    child.on('error', () => this.gone(child));
    child.on('exit', () => this.gone(child));
    child.stdin.on('error', () => this.gone(child));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.read(child, chunk));
    // The daemon's exit is never held up by its client (which ends when its input closes).
    child.unref();
    for (const stream of [child.stdin, child.stdout]) (stream as unknown as Socket).unref();
  }

  private gone(child: Client): void {
    if (this.child === child) this.close();
  }

  private timedOut(): void {
    const head = this.queue.shift();
    if (head === undefined) return;
    head.reject(new ControlTimeoutError(`no answer from tmux in ${this.timeoutMs} ms`));
    this.close();
  }

  private read(child: Client, chunk: string): void {
    if (this.child !== child) return;
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    const block = this.block;
    if (block === undefined) {
      const begin = BEGIN_RE.exec(line);
      if (begin !== null) this.block = { num: begin[1] ?? '', ours: begin[2] === '1', lines: [] };
      else if (line === '%exit' || line.startsWith('%exit ')) this.close();
      return; // a notification
    }
    const end = /^%(end|error) \d+ (\d+) \d+$/.exec(line);
    if (end === null || end[2] !== block.num) {
      block.lines.push(line);
      return;
    }
    this.block = undefined;
    if (block.ours) this.answer(block.lines, end[1] === 'error');
  }

  /** One command's answer; the request is done with its last command, or its first error. */
  private answer(lines: string[], failed: boolean): void {
    const head = this.queue[0];
    if (head === undefined) return;
    if (!failed) {
      for (const l of lines) head.out.push(`${l}\n`);
      if (--head.blocks > 0) return;
    }
    this.queue.shift();
    clearTimeout(head.timer);
    if (failed) head.reject(new ControlCommandError(lines.join('\n')));
    else head.resolve(head.out.join(''));
  }
}
