// Agent sessions in tmux: TmuxHost, the SessionHost (host.ts) on a dedicated socket with no
// config file. Every call is execFile with an argument array.
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import type { ExecFileException } from 'node:child_process';
import { InputError } from '../errors.js';
import {
  ForeignSessionError,
  SessionExistsError,
  SessionNotFoundError,
  TmuxFailedError,
  TmuxMissingError,
  TmuxNoServerError,
  TmuxTimeoutError,
} from './errors.js';
import { endPaneProcesses } from './proc.js';
import {
  INFO_FORMAT,
  PANE_FORMAT,
  checkSessionName,
  joinCommands,
  lastLines,
  parsePaneMarkers,
  parseSessions,
  sessionTarget,
  startCommands,
  tmuxSocketPath,
} from './tmux-args.js';
import type { AttachCommand, Liveness, SessionHost, SessionInfo, SessionSpec } from './host.js';
import { sessionState } from './host.js';

export {
  BadSessionNameError,
  ForeignSessionError,
  SessionExistsError,
  SessionNotFoundError,
  TmuxFailedError,
  TmuxMissingError,
  TmuxNoServerError,
  TmuxTimeoutError,
  isTmuxUnavailable,
} from './errors.js';
export { checkSessionName, escapeFormat, sessionTarget, shellArgv } from './tmux-args.js';

export interface TmuxHostOptions {
  socket: string;
  /** Limit of each tmux call (default 5 s). */
  timeoutMs?: number;
  /** How long a stopped session's processes get after SIGTERM (default 5 s). */
  stopGraceMs?: number;
  /** Environment of the tmux client (and so of a server it starts); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * The town root this host acts for. Its sessions are marked with it, and a session marked
   * (or started) by another town on the same server is never listed, stopped or replaced.
   */
  town?: string;
}

/**
 * An agent's identity and secret never leak into the server's global environment (which
 * every later session inherits), and a tmux client must not think it is nested.
 */
const CLIENT_ENV_DROP = ['TMUX', 'TMUX_PANE', 'GT_ROLE', 'BD_ACTOR', 'GT_AGENT_TOKEN'];

/** The socket name that means the user's own tmux server (no -L). */
export const DEFAULT_SOCKET = 'default';

/** A path with its symlinks resolved, or as given when it cannot be (a town since removed). */
function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** tmux's words for "no such session" (they vary between commands and versions). */
const SESSION_GONE_RE =
  /can't find (session|window|pane)|no such (session|window)|session not found/;

/**
 * tmux's words for "nothing listens on this socket". A server that died while we talked to it
 * ("server exited unexpectedly") is not among them: that answer is unknown, not "no sessions".
 */
const NO_SERVER_RE =
  /no server running|error connecting to .*\((No such file or directory|Connection refused)\)/;

export class TmuxHost implements SessionHost {
  readonly socket: string;
  /** The town's real path, as its sessions are marked; undefined: every session is ours. */
  readonly town: string | undefined;
  private readonly timeoutMs: number;
  private readonly stopGraceMs: number;
  private readonly env: NodeJS.ProcessEnv;

  constructor(opts: TmuxHostOptions) {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(opts.socket)) {
      throw new InputError(
        'GT_BAD_SETTING',
        `tmux socket ${JSON.stringify(opts.socket)} must hold only letters, digits, _ . -`,
      );
    }
    this.socket = opts.socket;
    this.town = opts.town === undefined ? undefined : realOrSame(opts.town);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.stopGraceMs = opts.stopGraceMs ?? 5000;
    const env = { ...(opts.env ?? process.env) };
    for (const key of CLIENT_ENV_DROP) delete env[key];
    this.env = env;
  }

  async list(): Promise<SessionInfo[]> {
    try {
      const all = parseSessions(
        await this.run('list-panes', [['list-panes', '-a', '-F', INFO_FORMAT]]),
      );
      // Unmarked sessions (made before towns marked theirs) are listed; stop() checks them.
      return all.filter((info) => info.town === null || this.isOurs(info.town));
    } catch (err) {
      if (err instanceof TmuxNoServerError) return [];
      throw err;
    }
  }

  async find(name: string): Promise<SessionInfo | undefined> {
    checkSessionName(name);
    try {
      const out = await this.run(
        'list-panes',
        [['list-panes', '-s', '-t', sessionTarget(name), '-F', INFO_FORMAT]],
        name,
      );
      const info = parseSessions(out).find((s) => s.name === name);
      if (info !== undefined) await this.requireOurs(name, info.town);
      return info;
    } catch (err) {
      if (err instanceof TmuxNoServerError || err instanceof SessionNotFoundError) return undefined;
      throw err;
    }
  }

  private isOurs(town: string): boolean {
    return this.town === undefined || realOrSame(town) === this.town;
  }

  /**
   * Throws ForeignSessionError when session `name` belongs to another town: by its mark, or,
   * for an unmarked session, by the GT_TOWN_ROOT it was started with.
   */
  private async requireOurs(name: string, marked: string | null): Promise<void> {
    if (this.town === undefined) return;
    let town = marked;
    if (town === null) {
      const out = await this.run(
        'show-environment',
        [['show-environment', '-t', sessionTarget(name), 'GT_TOWN_ROOT']],
        name,
      ).catch(() => '');
      town = /^GT_TOWN_ROOT=(.*)$/m.exec(out)?.[1] ?? null;
    }
    if (town !== null && !this.isOurs(town)) throw new ForeignSessionError(name, this.socket, town);
  }

  async liveness(name: string): Promise<Exclude<Liveness, 'zombie'>> {
    checkSessionName(name);
    try {
      const info = await this.find(name);
      return info !== undefined && sessionState(info) === 'alive' ? 'alive' : 'dead';
    } catch {
      return 'unknown';
    }
  }

  async start(spec: SessionSpec): Promise<SessionInfo> {
    const commands = startCommands(spec, this.town);
    const out = await this.run('new-session', commands, spec.name).catch(async (err: unknown) => {
      // An option after new-session failed: don't leave a half-made session behind.
      if (err instanceof TmuxFailedError) await this.stop(spec.name).catch(() => false);
      throw err;
    });
    return this.startedInfo(out, spec.name);
  }

  private startedInfo(out: string, name: string): SessionInfo {
    const info = parseSessions(out).find((s) => s.name === name);
    if (info === undefined)
      throw new TmuxFailedError('new-session', `no session ${name} after creating it`);
    return info;
  }

  async stop(name: string): Promise<boolean> {
    if (!(await this.endProcesses(name))) return false;
    try {
      await this.run('kill-session', [['kill-session', '-t', sessionTarget(name)]], name);
    } catch (err) {
      // With its processes gone the session, and perhaps the server, may have closed on its own.
      if ((await this.find(name).catch(() => true)) !== undefined) throw err;
    }
    return true;
  }

  async replace(spec: SessionSpec): Promise<{ info: SessionInfo; replaced: boolean }> {
    const commands = startCommands(spec, this.town);
    if (!(await this.endProcesses(spec.name)))
      return { info: await this.start(spec), replaced: false };
    let out: string;
    try {
      // The old session's end and the new one's start in one tmux invocation.
      out = await this.run(
        'new-session',
        [['kill-session', '-t', sessionTarget(spec.name)], ...commands],
        spec.name,
      );
    } catch (err) {
      // It closed by itself once its processes were gone: nothing left to kill.
      if (err instanceof SessionNotFoundError || err instanceof TmuxNoServerError)
        return { info: await this.start(spec), replaced: true };
      if (err instanceof TmuxFailedError) await this.stop(spec.name).catch(() => false);
      throw err;
    }
    return { info: this.startedInfo(out, spec.name), replaced: true };
  }

  /**
   * Ends every process of the session (its town checked first); false when there is no such
   * session. The session itself is left for the caller to kill.
   */
  private async endProcesses(name: string): Promise<boolean> {
    checkSessionName(name);
    const target = sessionTarget(name);
    let out: string;
    try {
      // The session's town mark, then its panes: one tmux invocation.
      out = await this.run(
        'list-panes',
        [
          ['display-message', '-p', '-t', target, '#{@gt_town}'],
          ['list-panes', '-s', '-t', target, '-F', PANE_FORMAT],
        ],
        name,
      );
    } catch (err) {
      if (err instanceof TmuxNoServerError || err instanceof SessionNotFoundError) return false;
      throw err;
    }
    const [mark = '', ...panes] = out.split('\n');
    await this.requireOurs(name, mark === '' ? null : mark);
    const markers = parsePaneMarkers(panes.join('\n'));
    await endPaneProcesses(markers, { graceMs: this.stopGraceMs, killWaitMs: 2000 });
    return true;
  }

  async capture(name: string, lines: number): Promise<string[]> {
    checkSessionName(name);
    if (!Number.isInteger(lines) || lines < 1 || lines > 100_000) {
      throw new InputError(
        'GT_BAD_LINES',
        `lines must be a whole number from 1 to 100000, got ${lines}`,
      );
    }
    try {
      const args = [
        'capture-pane',
        '-p',
        '-J',
        '-S',
        `-${lines}`,
        '-t',
        `${sessionTarget(name)}^.0`,
      ];
      return lastLines((await this.run('capture-pane', [args], name)).split('\n'), lines);
    } catch (err) {
      if (err instanceof TmuxNoServerError) throw new SessionNotFoundError(name, this.socket);
      throw err;
    }
  }

  async refreshStatus(name: string): Promise<void> {
    checkSessionName(name);
    let clients: string[];
    try {
      const out = await this.run(
        'list-clients',
        [['list-clients', '-t', sessionTarget(name), '-F', '#{client_name}']],
        name,
      );
      clients = out.split('\n').filter((c) => c.length > 0);
    } catch (err) {
      if (err instanceof TmuxNoServerError || err instanceof SessionNotFoundError) return;
      throw err;
    }
    if (clients.length === 0) return;
    // -S redraws the status line, which runs its #() commands (the mail count) again.
    await this.run(
      'refresh-client',
      clients.map((c) => ['refresh-client', '-S', '-t', c]),
      name,
    );
  }

  /**
   * The tmux client that puts a terminal on the session: attach-session, or switch-client when
   * the terminal is already a client of this server (which needs its TMUX to find itself).
   */
  attachCommand(name: string, env: NodeJS.ProcessEnv = process.env): AttachCommand {
    const target = sessionTarget(name);
    const inside = (env.TMUX ?? '').split(',')[0] === tmuxSocketPath(this.socket, env);
    const clientEnv = inside ? { ...this.env, TMUX: env.TMUX, TMUX_PANE: env.TMUX_PANE } : this.env;
    const command = inside ? 'switch-client' : 'attach-session';
    return {
      file: 'tmux',
      args: [...this.baseArgs(), command, '-t', target],
      env: { ...clientEnv },
    };
  }

  private baseArgs(): string[] {
    // `default` is the user's own server, config and all; any other socket is ours alone.
    return this.socket === DEFAULT_SOCKET ? [] : ['-L', this.socket, '-f', '/dev/null'];
  }

  private run(
    what: string,
    commands: ReadonlyArray<readonly string[]>,
    session?: string,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        'tmux',
        [...this.baseArgs(), ...joinCommands(commands)],
        {
          timeout: this.timeoutMs,
          killSignal: 'SIGKILL',
          env: this.env,
          encoding: 'utf8',
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          if (error === null) resolve(stdout);
          else reject(this.classify(error, stderr, what, session));
        },
      );
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
    const text = stderr.trim() || error.message;
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
