// The agent runtime against real tmux (a private socket per test) and a real SQLite store.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashToken, isVerifiedSender } from '../../src/agents/token.js';
import type { AgentContext } from '../../src/agents/context.js';
import { restartAgent, startAgent, stopAgent } from '../../src/agents/agent.js';
import { resolveAgent } from '../../src/agents/resolve.js';
import { agentStatus, listAgentStatuses } from '../../src/agents/status.js';
import type { SessionHost, SessionSpec } from '../../src/sessions/host.js';
import {
  SessionExistsError,
  TmuxFailedError,
  TmuxHost,
  TmuxTimeoutError,
} from '../../src/sessions/tmux.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Identity } from '../../src/town/identity.js';
import { parseIdentity } from '../../src/town/identity.js';
import { installTown } from '../../src/setup/install.js';
import { loadSettings, settingsFile } from '../../src/town/settings.js';
import { onCleanup, tempDir, tmuxSocket, waitFor } from '../helpers/temp.js';

const MAYOR = parseIdentity('mayor');
const DEACON = parseIdentity('deacon');
const MAX = parseIdentity('alpha/crew/max');

/** Writes its environment and working directory to agent-env.txt, then waits. */
const REPORTING_AGENT = `sh -c 'env > agent-env.tmp; echo "PWD_IS=$(pwd)" >> agent-env.tmp; mv agent-env.tmp agent-env.txt; exec sleep 1000'`;
/** Waits for a file named go in its work dir, then exits. */
const WAITING_AGENT = `sh -c 'while [ ! -e go ]; do sleep 0.05; done; exit 0'`;

/** Hosts made by this test; their agents are stopped (and awaited) before temp dirs go. */
const hosts: TmuxHost[] = [];

// Runs before the helpers' cleanup (hooks run last-registered first): an agent still writing
// into its work dir would otherwise race the removal of the town.
afterEach(async () => {
  for (const host of hosts.splice(0)) {
    for (const session of await host.list().catch(() => [])) await host.stop(session.name);
  }
});

function town(commands: Partial<Record<Identity['role'], string>> = {}): AgentContext {
  const root = join(tempDir('town'), 'town');
  installTown(root);
  const socket = tmuxSocket();
  const agents = Object.fromEntries(
    Object.entries({ mayor: REPORTING_AGENT, crew: REPORTING_AGENT, ...commands }).map(
      ([role, command]) => [role, { command }],
    ),
  );
  writeFileSync(settingsFile(root), JSON.stringify({ tmux: { socket }, agents }));
  const { settings } = loadSettings(root, { env: {} });
  const store = SqliteStore.open(join(root, '.gt', 'town.db'));
  onCleanup(() => void store.close());
  const host = new TmuxHost({ socket, stopGraceMs: 500 });
  hosts.push(host);
  return { root, settings, store, host, hostName: 'test-host', now: Date.now };
}

function addCrewDir(ctx: AgentContext): string {
  const dir = join(ctx.root, 'alpha', 'crew', 'max');
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function agentEnv(dir: string): Promise<Map<string, string>> {
  const file = join(dir, 'agent-env.txt');
  const text = await waitFor(
    'the agent to report',
    () => existsSync(file) && readFileSync(file, 'utf8'),
  );
  const entries = text.split('\n').flatMap((line) => {
    const at = line.indexOf('=');
    return at > 0 ? [[line.slice(0, at), line.slice(at + 1)] as const] : [];
  });
  return new Map(entries);
}

function tmuxOption(ctx: AgentContext, session: string, option: string): string {
  return execFileSync(
    'tmux',
    ['-L', ctx.host.socket, '-f', '/dev/null', 'show-options', '-v', '-t', `=${session}:`, option],
    { encoding: 'utf8' },
  ).trim();
}

function running(pid: number | null): boolean {
  try {
    return pid !== null && !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A host that wraps the real one, to look at the store at the moment tmux is asked to start. */
function spyingHost(
  inner: SessionHost,
  onStart: (spec: SessionSpec) => Promise<void>,
): SessionHost {
  return {
    socket: inner.socket,
    list: () => inner.list(),
    find: (name) => inner.find(name),
    liveness: (name) => inner.liveness(name),
    start: async (spec) => {
      await onStart(spec);
      return inner.start(spec);
    },
    stop: (name) => inner.stop(name),
    replace: async (spec) => {
      await onStart(spec);
      return inner.replace(spec);
    },
    capture: (name, lines) => inner.capture(name, lines),
    refreshStatus: (name) => inner.refreshStatus(name),
    screens: (names) => inner.screens(names),
    sendKeys: (name, keys) => inner.sendKeys(name, keys),
    paste: (name, text, then) => inner.paste(name, text, then),
  };
}

/** A fake host standing in for a tmux server that never answers. */
function unanswering(socket: string): SessionHost {
  const fail = (): Promise<never> => Promise.reject(new TmuxTimeoutError('list-panes', 5000));
  return {
    socket,
    list: fail,
    find: fail,
    liveness: () => Promise.resolve('unknown'),
    start: fail,
    stop: fail,
    replace: fail,
    capture: fail,
    refreshStatus: fail,
    screens: fail,
    sendKeys: fail,
    paste: fail,
  };
}

describe('startAgent', () => {
  it('gives the agent its identity, the town root and a fresh secret, in its work dir, themed', async () => {
    const ctx = town();
    const started = await startAgent(ctx, resolveAgent(ctx, MAYOR));
    expect(started).toMatchObject({ identity: 'mayor', session: 'gt-mayor' });
    const env = await agentEnv(ctx.root);
    expect(env.get('GT_ROLE')).toBe('mayor');
    expect(env.get('BD_ACTOR')).toBe('mayor');
    expect(env.get('GT_TOWN_ROOT')).toBe(ctx.root);
    expect(env.get('PWD_IS')).toBe(ctx.root);
    const token = env.get('GT_AGENT_TOKEN') ?? '';
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(await ctx.store.getAgent('mayor')).toMatchObject({
      host: 'test-host',
      session: 'gt-mayor',
      tokenHash: hashToken(token),
      desired: 'running',
      sessionConfirmed: true,
    });
    expect(await isVerifiedSender(ctx.store, MAYOR, token)).toBe(true);
    expect(tmuxOption(ctx, 'gt-mayor', 'status-left')).toContain('🎩 mayor');
    expect(tmuxOption(ctx, 'gt-mayor', 'status-style')).toContain('colour178');
  });

  it('uses the canonical address for a crew member and starts it in its clone', async () => {
    const ctx = town();
    const dir = addCrewDir(ctx);
    expect(await startAgent(ctx, resolveAgent(ctx, parseIdentity('alpha-crew-max')))).toMatchObject(
      {
        identity: 'alpha/crew/max',
        session: 'gt-alpha-crew-max',
      },
    );
    const env = await agentEnv(dir);
    expect([env.get('GT_ROLE'), env.get('BD_ACTOR'), env.get('PWD_IS')]).toEqual([
      'alpha/crew/max',
      'alpha/crew/max',
      dir,
    ]);
  });

  it('an agent started from a CI shell or from inside another agent CLI inherits neither', async () => {
    const ctx = town();
    const dir = addCrewDir(ctx);
    const saved = { CI: process.env.CI, CLAUDECODE: process.env.CLAUDECODE };
    // The tmux server (started here) takes this process's environment as its own.
    process.env.CI = 'true';
    process.env.CLAUDECODE = '1';
    try {
      await startAgent(ctx, resolveAgent(ctx, parseIdentity('alpha/crew/max')));
    } finally {
      for (const [name, value] of Object.entries(saved))
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
    const env = await agentEnv(dir);
    expect(env.get('GT_ROLE')).toBe('alpha/crew/max');
    expect([env.get('CI'), env.get('CLAUDECODE')]).toEqual([undefined, undefined]);
  });

  it('saves the token’s hash before the session starts', async () => {
    const ctx = town();
    let seen: string | null | undefined;
    let given = '';
    ctx.host = spyingHost(ctx.host, async (spec) => {
      given = spec.env.GT_AGENT_TOKEN ?? '';
      seen = (await ctx.store.getAgent('mayor'))?.tokenHash;
    });
    await startAgent(ctx, resolveAgent(ctx, MAYOR));
    expect(given).toMatch(/^[0-9a-f]{64}$/);
    expect(seen).toBe(hashToken(given));
  });

  it('refuses a running agent without touching its token or calling beforeStart', async () => {
    const ctx = town();
    await startAgent(ctx, resolveAgent(ctx, MAYOR));
    const token = (await agentEnv(ctx.root)).get('GT_AGENT_TOKEN') ?? '';
    let hookCalls = 0;
    const again = startAgent(ctx, resolveAgent(ctx, MAYOR), {
      beforeStart: () => Promise.resolve(void hookCalls++),
    });
    await expect(again).rejects.toThrow(SessionExistsError);
    expect(hookCalls).toBe(0);
    expect(await isVerifiedSender(ctx.store, MAYOR, token)).toBe(true);
  });

  it('fails with GT_WORKDIR_MISSING when the work dir is not there, starting nothing', async () => {
    const ctx = town();
    await expect(startAgent(ctx, resolveAgent(ctx, MAX))).rejects.toMatchObject({
      code: 'GT_WORKDIR_MISSING',
    });
    expect(await ctx.host.list()).toEqual([]);
    expect(await ctx.store.getAgent('alpha/crew/max')).toBeUndefined();
  });

  it('runs beforeStart before the token rotates and the session starts; a failing hook stops the start', async () => {
    const ctx = town();
    const order: string[] = [];
    await startAgent(ctx, resolveAgent(ctx, MAYOR), {
      beforeStart: async (agent) => {
        const session = (await ctx.host.find('gt-mayor')) === undefined ? 'none' : 'running';
        const record = await ctx.store.getAgent('mayor');
        order.push(
          `hook ${agent.id.role}`,
          `session ${session}`,
          `token ${record?.tokenHash ?? 'none'}`,
        );
      },
    });
    expect(order).toEqual(['hook mayor', 'session none', 'token none']);

    const other = town();
    const failing = startAgent(other, resolveAgent(other, MAYOR), {
      beforeStart: () => Promise.reject(new Error('sync failed')),
    });
    await expect(failing).rejects.toThrow('sync failed');
    expect(await other.host.list()).toEqual([]);
    expect(await other.store.getAgent('mayor')).toBeUndefined();
  });

  it('records the lifecycle request it carries out, and confirms the session once tmux answers', async () => {
    const ctx = town();
    let during: unknown;
    ctx.host = spyingHost(ctx.host, async () => {
      during = await ctx.store.getAgent('mayor');
    });
    await startAgent(ctx, resolveAgent(ctx, MAYOR), { requestMessageId: 'req-9' });
    expect(during).toMatchObject({ requestMessageId: 'req-9', sessionConfirmed: false });
    expect(await ctx.store.getAgent('mayor')).toMatchObject({
      requestMessageId: 'req-9',
      sessionConfirmed: true,
    });
    await restartAgent(ctx, resolveAgent(ctx, MAYOR));
    expect(await ctx.store.getAgent('mayor')).toMatchObject({
      requestMessageId: 'req-9',
      sessionConfirmed: true,
    });
  });

  it('keeps the token when tmux times out, since the session may exist after all', async () => {
    const ctx = town();
    ctx.host = spyingHost(ctx.host, () =>
      Promise.reject(new TmuxTimeoutError('new-session', 5000)),
    );
    await expect(startAgent(ctx, resolveAgent(ctx, MAYOR))).rejects.toThrow(TmuxTimeoutError);
    expect(await ctx.store.getAgent('mayor')).toMatchObject({
      session: 'gt-mayor',
      sessionConfirmed: false,
    });
    expect((await ctx.store.getAgent('mayor'))?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('forgets the new token when tmux refuses to start the session', async () => {
    const ctx = town();
    ctx.host = spyingHost(ctx.host, () =>
      Promise.reject(new TmuxFailedError('new-session', 'refused')),
    );
    await expect(startAgent(ctx, resolveAgent(ctx, MAYOR))).rejects.toThrow(TmuxFailedError);
    expect(await ctx.store.getAgent('mayor')).toMatchObject({ tokenHash: null, session: null });
  });
});

describe('restartAgent and stopAgent', () => {
  it('restart replaces the session and rotates the token: the old one stops verifying', async () => {
    const ctx = town();
    const first = await startAgent(ctx, resolveAgent(ctx, MAYOR));
    const oldToken = (await agentEnv(ctx.root)).get('GT_AGENT_TOKEN') ?? '';
    writeFileSync(join(ctx.root, 'agent-env.txt'), '');
    const second = await restartAgent(ctx, resolveAgent(ctx, MAYOR));
    expect(second.replaced).toBe(true);
    expect(running(first.info.panePid)).toBe(false);
    expect(second.info.panePid).not.toBe(first.info.panePid);
    const newToken = await waitFor('a new token', async () =>
      (await agentEnv(ctx.root)).get('GT_AGENT_TOKEN'),
    );
    expect(newToken).not.toBe(oldToken);
    expect(await isVerifiedSender(ctx.store, MAYOR, oldToken)).toBe(false);
    expect(await isVerifiedSender(ctx.store, MAYOR, newToken)).toBe(true);
  });

  it('restart of an agent that is not running just starts it', async () => {
    const ctx = town();
    const started = await restartAgent(ctx, resolveAgent(ctx, MAYOR));
    expect(started.replaced).toBe(false);
    expect(await ctx.host.liveness('gt-mayor')).toBe('alive');
  });

  it('stop ends the session, forgets the token and marks the agent stopped', async () => {
    const ctx = town();
    const started = await startAgent(ctx, resolveAgent(ctx, MAYOR));
    const token = (await agentEnv(ctx.root)).get('GT_AGENT_TOKEN') ?? '';
    expect(await stopAgent(ctx, resolveAgent(ctx, MAYOR), { requestMessageId: 'req-1' })).toBe(
      true,
    );
    expect(running(started.info.panePid)).toBe(false);
    expect(await ctx.host.liveness('gt-mayor')).toBe('dead');
    expect(await ctx.store.getAgent('mayor')).toMatchObject({
      session: null,
      tokenHash: null,
      desired: 'stopped',
      requestMessageId: 'req-1',
    });
    expect(await isVerifiedSender(ctx.store, MAYOR, token)).toBe(false);
    expect(await stopAgent(ctx, resolveAgent(ctx, MAYOR))).toBe(false);
  });
});

describe('agentStatus and listAgentStatuses', () => {
  it('tells alive, zombie, dead and unknown apart', async () => {
    const ctx = town({ deacon: WAITING_AGENT });
    expect(await agentStatus(ctx, MAYOR)).toEqual({
      identity: 'mayor',
      session: 'gt-mayor',
      state: 'dead',
      pid: null,
      uptimeSeconds: null,
    });
    const mayor = await startAgent(ctx, resolveAgent(ctx, MAYOR));
    const alive = await agentStatus(ctx, MAYOR);
    expect(alive).toMatchObject({ state: 'alive', pid: mayor.info.panePid });
    expect(alive.uptimeSeconds).toBeGreaterThanOrEqual(0);

    await startAgent(ctx, resolveAgent(ctx, DEACON));
    writeFileSync(join(ctx.root, 'deacon', 'go'), '');
    await waitFor(
      'the deacon to die',
      async () => (await agentStatus(ctx, DEACON)).state === 'zombie',
    );
    expect(await ctx.host.liveness('gt-deacon')).toBe('dead');

    expect(await agentStatus({ ...ctx, host: unanswering(ctx.host.socket) }, MAYOR)).toMatchObject({
      state: 'unknown',
      pid: null,
    });
  });

  it('lists our sessions, agents whose session vanished as dead, and everything as unknown when tmux cannot answer', async () => {
    const ctx = town({ deacon: WAITING_AGENT });
    expect(await listAgentStatuses(ctx)).toEqual([]);
    addCrewDir(ctx);
    await startAgent(ctx, resolveAgent(ctx, MAYOR));
    await startAgent(ctx, resolveAgent(ctx, DEACON));
    await startAgent(ctx, resolveAgent(ctx, MAX));
    writeFileSync(join(ctx.root, 'deacon', 'go'), '');
    // A session killed behind our back, and a session that is not an agent's.
    execFileSync('tmux', ['-L', ctx.host.socket, 'kill-session', '-t', '=gt-alpha-crew-max:']);
    execFileSync('tmux', [
      '-L',
      ctx.host.socket,
      'new-session',
      '-d',
      '-s',
      'scratch',
      'sleep 1000',
    ]);
    const states = await waitFor('the deacon to die', async () => {
      const list = await listAgentStatuses(ctx);
      return list.find((s) => s.identity === 'deacon')?.state === 'zombie' && list;
    });
    expect(states.map((s) => [s.identity, s.session, s.state])).toEqual([
      ['alpha/crew/max', 'gt-alpha-crew-max', 'dead'],
      ['deacon', 'gt-deacon', 'zombie'],
      ['mayor', 'gt-mayor', 'alive'],
    ]);
    const unknown = await listAgentStatuses({ ...ctx, host: unanswering(ctx.host.socket) });
    expect(unknown.map((s) => [s.identity, s.state])).toEqual([
      ['alpha/crew/max', 'unknown'],
      ['deacon', 'unknown'],
      ['mayor', 'unknown'],
    ]);
  });

  it('leaves out agents another host started', async () => {
    const ctx = town();
    await ctx.store.patchAgent('alpha/witness', {
      host: 'elsewhere',
      session: 'gt-alpha-witness',
      desired: 'running',
    });
    expect(await listAgentStatuses(ctx)).toEqual([]);
  });
});
