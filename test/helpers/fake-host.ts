// A SessionHost in memory: a test double for plans whose tmux side only needs to be counted.
// Integration tests use the real TmuxHost; this one is for fast tests of what gets called, and
// for cases a real tmux cannot be made to produce on demand.
import type { Liveness, SessionHost, SessionInfo, SessionSpec } from '../../src/sessions/host.js';
import { SessionExistsError } from '../../src/sessions/tmux.js';

export interface FakeCall {
  op: 'start' | 'stop' | 'find' | 'list' | 'capture' | 'refresh' | 'screens' | 'keys' | 'paste';
  name?: string;
  keys?: readonly string[];
  text?: string;
}

export class FakeSessionHost implements SessionHost {
  readonly socket = 'fake';
  readonly calls: FakeCall[] = [];
  readonly sessions = new Map<string, SessionInfo & { spec?: SessionSpec }>();
  /** What capture() and screens() return for each session. */
  readonly screenOf = new Map<string, string[]>();
  private nextPid = 1000;

  /** Names of the sessions started, in order. */
  get starts(): string[] {
    return this.calls.filter((c) => c.op === 'start').map((c) => c.name ?? '');
  }

  list(): Promise<SessionInfo[]> {
    this.calls.push({ op: 'list' });
    return Promise.resolve([...this.sessions.values()]);
  }

  find(name: string): Promise<SessionInfo | undefined> {
    this.calls.push({ op: 'find', name });
    return Promise.resolve(this.sessions.get(name));
  }

  async liveness(name: string): Promise<Exclude<Liveness, 'zombie'>> {
    const info = await this.find(name);
    return info !== undefined && !info.paneDead ? 'alive' : 'dead';
  }

  start(spec: SessionSpec): Promise<SessionInfo> {
    this.calls.push({ op: 'start', name: spec.name });
    if (this.sessions.has(spec.name)) return Promise.reject(new SessionExistsError(spec.name));
    const pid = this.nextPid++;
    const info = {
      name: spec.name,
      panePid: pid,
      panePids: [pid],
      paneCommand: 'sh',
      paneDead: false,
      paneDeadStatus: null,
      createdAt: Date.now(),
      attached: false,
      town: null,
      spec,
    };
    this.sessions.set(spec.name, info);
    return Promise.resolve(info);
  }

  stop(name: string): Promise<boolean> {
    this.calls.push({ op: 'stop', name });
    return Promise.resolve(this.sessions.delete(name));
  }

  async replace(spec: SessionSpec): Promise<{ info: SessionInfo; replaced: boolean }> {
    const replaced = await this.stop(spec.name);
    return { info: await this.start(spec), replaced };
  }

  capture(name: string, lines: number): Promise<string[]> {
    this.calls.push({ op: 'capture', name });
    return Promise.resolve((this.screenOf.get(name) ?? []).slice(-lines));
  }

  screens(names: readonly string[]): Promise<Map<string, string[]>> {
    this.calls.push({ op: 'screens' });
    return Promise.resolve(
      new Map(
        names.filter((n) => this.sessions.has(n)).map((n) => [n, this.screenOf.get(n) ?? []]),
      ),
    );
  }

  sendKeys(name: string, keys: readonly string[]): Promise<void> {
    this.calls.push({ op: 'keys', name, keys });
    return Promise.resolve();
  }

  paste(name: string, text: string, then: { keys: readonly string[] }): Promise<void> {
    this.calls.push({ op: 'paste', name, text, keys: then.keys });
    return Promise.resolve();
  }

  refreshStatus(name: string): Promise<void> {
    this.calls.push({ op: 'refresh', name });
    return Promise.resolve();
  }

  /** The agent's process exits; the pane stays (remain-on-exit), as tmux keeps it. */
  exit(name: string, status: number | null = 1): void {
    const info = this.sessions.get(name);
    if (info !== undefined) Object.assign(info, { paneDead: true, paneDeadStatus: status });
  }
}
