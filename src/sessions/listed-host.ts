// The daemon's view of its sessions, shared with what its process serves (the dashboard): the
// host the daemon acts through remembers every listing it makes, and keeps it current with the
// sessions it starts, replaces and stops itself; `view()` answers list() from that memory and
// never asks tmux for it, so however many browsers watch, tmux sees only the daemon's own calls.
import type { Liveness, SessionHost, SessionInfo, SessionSpec } from './host.js';

export class ListedHost implements SessionHost {
  /** Shared with the views (made with this as their prototype): never replaced, only its field. */
  private readonly memory: { listed?: SessionInfo[] | undefined } = {};

  constructor(private readonly inner: SessionHost) {}

  get socket(): string {
    return this.inner.socket;
  }

  close(): void {
    this.inner.close?.();
  }

  async list(): Promise<SessionInfo[]> {
    const sessions = await this.inner.list();
    this.memory.listed = sessions;
    return sessions;
  }

  /** A host whose list() is the daemon's last (asking tmux only before there is one). */
  view(): SessionHost {
    const view = Object.create(this) as ListedHost;
    view.list = (): Promise<SessionInfo[]> =>
      this.memory.listed === undefined ? this.list() : Promise.resolve([...this.memory.listed]);
    return view;
  }

  private remember(info: SessionInfo): void {
    if (this.memory.listed === undefined) return;
    this.memory.listed = [...this.memory.listed.filter((s) => s.name !== info.name), info];
  }

  find(name: string): Promise<SessionInfo | undefined> {
    return this.inner.find(name);
  }

  liveness(name: string): Promise<Exclude<Liveness, 'zombie'>> {
    return this.inner.liveness(name);
  }

  async start(spec: SessionSpec): Promise<SessionInfo> {
    const info = await this.inner.start(spec);
    this.remember(info);
    return info;
  }

  async stop(name: string): Promise<boolean> {
    const stopped = await this.inner.stop(name);
    this.memory.listed = this.memory.listed?.filter((s) => s.name !== name);
    return stopped;
  }

  async replace(spec: SessionSpec): Promise<{ info: SessionInfo; replaced: boolean }> {
    const done = await this.inner.replace(spec);
    this.remember(done.info);
    return done;
  }

  capture(name: string, lines: number): Promise<string[]> {
    return this.inner.capture(name, lines);
  }

  refreshStatus(name: string): Promise<void> {
    return this.inner.refreshStatus(name);
  }

  screens(names: readonly string[]): Promise<Map<string, string[]>> {
    return this.inner.screens(names);
  }

  sendKeys(name: string, keys: readonly string[]): Promise<void> {
    return this.inner.sendKeys(name, keys);
  }

  paste(
    name: string,
    text: string,
    then: { keys: readonly string[]; delayMs: number },
  ): Promise<void> {
    return this.inner.paste(name, text, then);
  }
}
