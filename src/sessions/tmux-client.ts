// Running tmux: one execFile per invocation (several commands joined with ';'), on the town's
// socket with no config file, its failures turned into typed errors; or, for a long-lived
// process that asks for it, the reads, key presses and pastes over one control-mode client
// (tmux-control.ts). No shell ever sees an argument; text for a session (a prompt) goes in on
// a client's standard input, never in argv.
import { execFile } from 'node:child_process';
import type { ExecFileException } from 'node:child_process';
import { InputError } from '../errors.js';
import {
  SessionExistsError,
  SessionNotFoundError,
  TmuxFailedError,
  TmuxMissingError,
  TmuxNoServerError,
  TmuxTimeoutError,
} from './errors.js';
import { joinCommands, tmuxSocketPath } from './tmux-args.js';
import {
  ControlChannel,
  ControlClosedError,
  ControlCommandError,
  ControlTimeoutError,
  inlineInput,
} from './tmux-control.js';

/** The socket name that means the user's own tmux server (no -L). */
export const DEFAULT_SOCKET = 'default';

/**
 * An agent's identity and secret never leak into the server's global environment (which
 * every later session inherits), and a tmux client must not think it is nested.
 */
const CLIENT_ENV_DROP = ['TMUX', 'TMUX_PANE', 'GT_ROLE', 'BD_ACTOR', 'GT_AGENT_TOKEN'];

/** tmux's words for "no such session" (they vary between commands and versions). */
const SESSION_GONE_RE =
  /can't find (session|window|pane)|no such (session|window)|session not found/;

/**
 * tmux's words for "nothing listens on this socket". A server that died while we talked to it
 * ("server exited unexpectedly") is not among them: that answer is unknown, not "no sessions".
 */
const NO_SERVER_RE =
  /no server running|error connecting to .*\((No such file or directory|Connection refused)\)/;

/**
 * A server exiting (its last session just closed) can still take a connection and then close
 * it unanswered. The command is asked again, a little later, when the server is gone for good
 * (then "no server running") or another one answers; a server that dies on every try is still
 * the unknown answer it was.
 */
const EXITED_RE = /server exited unexpectedly/;
const EXITED_RETRY_MS = [10, 30, 90];

export interface RunOptions {
  /** The session the commands are about, to name it in errors. */
  session?: string | undefined;
  /** Joins this client's environment (a new session's values, never its argv). */
  env?: Readonly<Record<string, string>> | undefined;
  /** Written to the client's standard input (load-buffer -). */
  input?: string | undefined;
}

export class TmuxClient {
  readonly env: NodeJS.ProcessEnv;
  /** The control-mode client, when this client was made for a long-lived process. */
  readonly control: ControlChannel | undefined;

  constructor(
    readonly socket: string,
    readonly timeoutMs: number,
    env: NodeJS.ProcessEnv,
    control = false,
  ) {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(socket)) {
      throw new InputError(
        'GT_BAD_SETTING',
        `tmux socket ${JSON.stringify(socket)} must hold only letters, digits, _ . -`,
      );
    }
    const clean = { ...env };
    for (const key of CLIENT_ENV_DROP) delete clean[key];
    this.env = clean;
    // Never on the user's own server: its config (hooks on a client attaching) would see ours.
    this.control =
      control && socket !== DEFAULT_SOCKET
        ? new ControlChannel(
            ['-u', ...this.baseArgs()],
            tmuxSocketPath(socket, clean),
            clean,
            timeoutMs,
          )
        : undefined;
  }

  baseArgs(): string[] {
    // `default` is the user's own server, config and all; any other socket is ours alone.
    return this.socket === DEFAULT_SOCKET ? [] : ['-L', this.socket, '-f', '/dev/null'];
  }

  run(
    what: string,
    commands: ReadonlyArray<readonly string[]>,
    opts: RunOptions = {},
  ): Promise<string> {
    const inlined = opts.env === undefined ? inlineInput(commands, opts.input) : undefined;
    const viaControl = inlined === undefined ? undefined : this.control?.run(inlined, opts.session);
    if (viaControl === undefined) return this.exec(what, commands, opts);
    return viaControl.catch((err: unknown) => {
      if (err instanceof ControlClosedError) return this.exec(what, commands, opts);
      if (err instanceof ControlTimeoutError) throw new TmuxTimeoutError(what, this.timeoutMs);
      if (err instanceof ControlCommandError) throw this.classifyText(err.text, what, opts.session);
      throw err;
    });
  }

  private async exec(
    what: string,
    commands: ReadonlyArray<readonly string[]>,
    opts: RunOptions,
  ): Promise<string> {
    for (const waitMs of EXITED_RETRY_MS) {
      try {
        return await this.execOnce(what, commands, opts);
      } catch (err) {
        if (!(err instanceof TmuxFailedError && EXITED_RE.test(err.message))) throw err;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
    return this.execOnce(what, commands, opts);
  }

  private execOnce(
    what: string,
    commands: ReadonlyArray<readonly string[]>,
    opts: RunOptions,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'tmux',
        // -u: this client reads tmux's output itself, in UTF-8 whatever the locale; without it
        // a client under a non-UTF-8 locale (a service manager's) gets the tabs that separate
        // -F fields, and every character outside ASCII, as `_`.
        ['-u', ...this.baseArgs(), ...joinCommands(commands)],
        {
          timeout: this.timeoutMs,
          killSignal: 'SIGKILL',
          env: opts.env === undefined ? this.env : { ...this.env, ...opts.env },
          encoding: 'utf8',
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          if (error === null) resolve(stdout);
          else reject(this.classify(error, stderr, what, opts.session));
        },
      );
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input ?? '');
    });
  }

  private classify(
    error: ExecFileException,
    stderr: string,
    what: string,
    session?: string,
  ): Error {
    if (error.code === 'ENOENT') return new TmuxMissingError();
    if (error.killed === true) return new TmuxTimeoutError(what, this.timeoutMs);
    return this.classifyText(stderr.trim() || error.message, what, session);
  }

  private classifyText(text: string, what: string, session?: string): Error {
    if (NO_SERVER_RE.test(text)) return new TmuxNoServerError(this.socket);
    if (/duplicate session/.test(text)) return new SessionExistsError(session ?? '?');
    // A server whose last session just closed (it is exiting) answers "no current target".
    if (/^no current target/.test(text)) {
      return session === undefined
        ? new TmuxNoServerError(this.socket)
        : new SessionNotFoundError(session, this.socket);
    }
    if (session !== undefined && SESSION_GONE_RE.test(text)) {
      return new SessionNotFoundError(session, this.socket);
    }
    return new TmuxFailedError(what, text.split('\n')[0] ?? text);
  }
}
