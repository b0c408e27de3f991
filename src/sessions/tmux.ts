// Agent sessions in tmux: TmuxHost, the SessionHost (host.ts) on the town's socket, its calls
// made through TmuxClient (tmux-client.ts).
import { realpathSync } from 'node:fs';
import { InputError } from '../errors.js';
import { TmuxClient } from './tmux-client.js';
import { captureScreens, pasteText, sendKeys } from './screen.js';
import {
  ForeignSessionError,
  SessionNotFoundError,
  TmuxFailedError,
  TmuxNoServerError,
} from './errors.js';
import { endPaneProcesses } from './proc.js';
import {
  CLIENT_FORMAT,
  CONTROL_CLIENTS_FORMAT,
  INFO_FORMAT,
  PANE_FORMAT,
  checkSessionName,
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
export { DEFAULT_SOCKET } from './tmux-client.js';

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
  /**
   * Reads and key presses over one tmux client in control mode, not a process each (for the
   * daemon, which makes many; end it with close()). Never on the default socket.
   */
  control?: boolean;
}

/** A path with its symlinks resolved, or as given when it cannot be (a town since removed). */
function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export class TmuxHost implements SessionHost {
  readonly socket: string;
  /** The town's real path, as its sessions are marked; undefined: every session is ours. */
  readonly town: string | undefined;
  private readonly stopGraceMs: number;
  private readonly client: TmuxClient;

  constructor(opts: TmuxHostOptions) {
    this.client = new TmuxClient(
      opts.socket,
      opts.timeoutMs ?? 5000,
      opts.env ?? process.env,
      opts.control === true,
    );
    this.socket = opts.socket;
    this.town = opts.town === undefined ? undefined : realOrSame(opts.town);
    this.stopGraceMs = opts.stopGraceMs ?? 5000;
  }

  /** Ends this host's control-mode client, if it has one. */
  close(): void {
    this.client.control?.close();
  }

  async list(): Promise<SessionInfo[]> {
    try {
      const all = parseSessions(
        await this.exec('list-panes', [
          ['list-panes', '-a', '-F', INFO_FORMAT],
          ['list-clients', '-F', CONTROL_CLIENTS_FORMAT],
        ]),
      );
      // Unmarked sessions (made before towns marked theirs) are listed; stop() checks them.
      const ours = all.filter((info) => info.town === null || this.isOurs(info.town));
      this.client.control?.know(ours[0]?.name);
      return ours;
    } catch (err) {
      if (err instanceof TmuxNoServerError) return [];
      throw err;
    }
  }

  async find(name: string): Promise<SessionInfo | undefined> {
    checkSessionName(name);
    try {
      const out = await this.exec(
        'list-panes',
        [
          ['list-panes', '-s', '-t', sessionTarget(name), '-F', INFO_FORMAT],
          ['list-clients', '-t', sessionTarget(name), '-F', CONTROL_CLIENTS_FORMAT],
        ],
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

  private exec(
    what: string,
    commands: ReadonlyArray<readonly string[]>,
    session?: string,
    env?: Readonly<Record<string, string>>,
  ): Promise<string> {
    return this.client.run(what, commands, { session, env });
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
      const out = await this.exec(
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
    const out = await this.exec('new-session', commands, spec.name, spec.env).catch(
      async (err: unknown) => {
        // An option after new-session failed: don't leave a half-made session behind.
        if (err instanceof TmuxFailedError) await this.stop(spec.name).catch(() => false);
        throw err;
      },
    );
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
      await this.exec('kill-session', [['kill-session', '-t', sessionTarget(name)]], name);
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
      out = await this.exec(
        'new-session',
        [['kill-session', '-t', sessionTarget(spec.name)], ...commands],
        spec.name,
        spec.env,
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
      out = await this.exec(
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
      return lastLines((await this.exec('capture-pane', [args], name)).split('\n'), lines);
    } catch (err) {
      if (err instanceof TmuxNoServerError) throw new SessionNotFoundError(name, this.socket);
      throw err;
    }
  }

  async refreshStatus(name: string): Promise<void> {
    checkSessionName(name);
    let clients: string[];
    try {
      const out = await this.exec(
        'list-clients',
        // Terminals only: the daemon's control client has no status line to redraw.
        [['list-clients', '-t', sessionTarget(name), '-F', CLIENT_FORMAT]],
        name,
      );
      clients = out.split('\n').filter((c) => c.length > 0);
    } catch (err) {
      if (err instanceof TmuxNoServerError || err instanceof SessionNotFoundError) return;
      throw err;
    }
    if (clients.length === 0) return;
    // -S redraws the status line, which runs its #() commands (the mail count) again.
    await this.exec(
      'refresh-client',
      clients.map((c) => ['refresh-client', '-S', '-t', c]),
      name,
    );
  }

  screens(names: readonly string[]): Promise<Map<string, string[]>> {
    return captureScreens(this.client, names);
  }

  sendKeys(name: string, keys: readonly string[]): Promise<void> {
    return sendKeys(this.client, name, keys);
  }

  paste(
    name: string,
    text: string,
    then: { keys: readonly string[]; delayMs: number },
  ): Promise<void> {
    return pasteText(this.client, name, text, then);
  }

  /**
   * The tmux client that puts a terminal on the session: attach-session, or switch-client when
   * the terminal is already a client of this server (which needs its TMUX to find itself).
   */
  attachCommand(name: string, env: NodeJS.ProcessEnv = process.env): AttachCommand {
    const target = sessionTarget(name);
    const inside = (env.TMUX ?? '').split(',')[0] === tmuxSocketPath(this.socket, env);
    const own = this.client.env;
    const clientEnv = inside ? { ...own, TMUX: env.TMUX, TMUX_PANE: env.TMUX_PANE } : own;
    const command = inside ? 'switch-client' : 'attach-session';
    return {
      file: 'tmux',
      args: [...this.client.baseArgs(), command, '-t', target],
      env: { ...clientEnv },
    };
  }
}
