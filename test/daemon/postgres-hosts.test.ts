// One town spread over three hosts that share a PostgreSQL store: each host has its own town
// folder, tmux server and daemon, and its own crew. 300 lifecycle requests flow through them
// while PostgreSQL is restarted: each request takes effect once, by its agent's own host.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { Logger } from '../../src/daemon/logger.js';
import { StoreError } from '../../src/errors.js';
import { isVerifiedSender } from '../../src/agents/token.js';
import { TmuxHost } from '../../src/sessions/tmux.js';
import { setRequesting } from '../../src/state/agent-state.js';
import { newRequestId } from '../../src/protocol/request.js';
import { openStore } from '../../src/store/open.js';
import type { Store, StoredEvent } from '../../src/store/store.js';
import { parseIdentity, sessionName } from '../../src/town/identity.js';
import { loadSettings } from '../../src/town/settings.js';
import { adminQuery, usePrivateCluster } from '../helpers/postgres.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { makeTown, starts } from '../helpers/town.js';

const run = promisify(execFile);
const pg = usePrivateCluster();

const HOSTS = ['h1', 'h2', 'h3'] as const;
const CREW_PER_HOST = 4;
const REQUESTS = 300;

interface HostRig {
  host: string;
  town: TestTown;
  /** The host's own store connection, as its agents' gt commands would use. */
  store: Store;
  daemon: Daemon;
  agents: string[];
  lost: number;
  logs: string[];
}

/** Retries while the store is unreachable (PostgreSQL restarting), as an agent would. */
async function patiently<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const retry = err instanceof StoreError && err.code === 'GT_STORE_UNAVAILABLE';
      if (!retry || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function token(socket: string, session: string): Promise<string> {
  const { stdout } = await run('tmux', [
    ...['-L', socket, 'show-environment', '-t', session, 'GT_AGENT_TOKEN'],
  ]);
  return stdout.trim().replace(/^GT_AGENT_TOKEN=/, '');
}

/** Things to close at the end of the test, before its tmux servers and folders go. */
type Closers = Array<() => Promise<void>>;

async function setUpHost(
  host: string,
  url: string,
  events: Map<string, string[]>,
  closers: Closers,
): Promise<HostRig> {
  const agents = Array.from({ length: CREW_PER_HOST }, (_, i) => `${host}-${i}`);
  const town = await makeTown({
    crew: agents,
    settings: {
      daemon: { heartbeat: '1s' },
      lifecycle: { retry_backoff: '50ms', lease: '3s', max_attempts: 5 },
      store: { url },
    },
  });
  const env = { GT_DAEMON_HOST: host };
  await Promise.all(agents.map((a) => town.gtOk(['session', 'start', `alpha/crew/${a}`], { env })));
  const settings = loadSettings(town.root, {
    env: { GT_TMUX_SOCKET: town.socket, GT_DAEMON_HOST: host },
  }).settings;
  const store = await openStore(town.root, settings);
  closers.push(() => store.close());
  const logs: string[] = [];
  const log: Logger = { log: (level, msg, f) => logs.push(`${level} ${msg} ${JSON.stringify(f)}`) };
  const record = (e: StoredEvent): void => {
    if (e.messageId !== null) events.set(e.messageId, [...(events.get(e.messageId) ?? []), host]);
  };
  const daemonStore = await openStore(town.root, settings);
  closers.push(() => daemonStore.close());
  const daemon = new Daemon({
    root: town.root,
    settings,
    store: daemonStore, // the daemon filters claims by host itself on PostgreSQL
    host: new TmuxHost({ socket: town.socket }),
    hostName: host,
    log,
    onEvent: record,
  });
  const rig: HostRig = {
    host,
    town,
    store,
    daemon,
    agents: agents.map((a) => `alpha/crew/${a}`),
    lost: 0,
    logs,
  };
  await daemon.start();
  closers.push(() => daemon.stop());
  const unsubscribe = await daemonStore.subscribe?.(
    'deacon',
    () => daemon.wake('notify'),
    () => (rig.lost += 1),
  );
  if (unsubscribe !== undefined) closers.push(unsubscribe);
  return rig;
}

/** One `gt handoff --cycle` as the agent does it; resolves with its message ids once it took effect. */
async function handoff(rig: HostRig, address: string): Promise<string[]> {
  const id = parseIdentity(address);
  const secret = await token(rig.town.socket, sessionName(id));
  const verified = await patiently(() => isVerifiedSender(rig.store, id, secret));
  expect(verified).toBe(true);
  const requestId = newRequestId();
  await setRequesting(rig.town.root, id, 'cycle', requestId, new Date());
  const send = () =>
    rig.store.sendMessage({
      from: address,
      to: 'deacon',
      subject: `LIFECYCLE: ${address} requesting cycle`,
      body: JSON.stringify({ action: 'cycle', request_id: requestId }),
      priority: 'high',
      type: 'lifecycle',
      senderVerified: verified,
    });
  // A send whose answer was lost to the restart may have been saved anyway: then there are two
  // messages for one request, and the daemon must still act once (the other is stale).
  const sent = await patiently(send);
  const settledMsg = await waitFor(
    `request ${requestId} of ${address}`,
    async () => {
      const msg = await rig.store.getMessage(sent.id);
      return msg?.status === 'done' || msg?.status === 'dead' ? msg : undefined;
    },
    30_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${rig.logs.slice(-20).join('\n')}`);
  });
  if (settledMsg.outcome?.startsWith('done')) return [sent.id];
  const twins = (await rig.store.listInbox('deacon', { all: true })).filter((m) =>
    m.body.includes(requestId),
  );
  const acted = twins.filter((m) => m.status === 'done' && m.outcome?.startsWith('done'));
  if (acted.length !== 1)
    throw new Error(`request ${requestId} of ${address}: ${JSON.stringify(twins)}`);
  return twins.map((m) => m.id);
}

describe('three hosts on one PostgreSQL', () => {
  it('300 requests across their agents: each takes effect once, by its own host, through a restart', async () => {
    const db = `gtt_hosts_${process.pid}`;
    await adminQuery(pg.cluster.url, `CREATE DATABASE ${db}`);
    const url = new URL(pg.cluster.url);
    url.pathname = `/${db}`;
    const events = new Map<string, string[]>();
    const closers: Closers = [];
    try {
      const rigs = await Promise.all(HOSTS.map((h) => setUpHost(h, url.href, events, closers)));
      const sentBy = await flow(rigs);
      await expectEachOnceByItsHost(rigs, sentBy, events);
    } finally {
      // daemons first: the tmux servers and folders they use go after the test
      for (const close of closers.reverse()) await close();
    }
  }, 170_000);
});

/** Every agent hands off in turn, all agents at once; PostgreSQL restarts a third of the way in. */
async function flow(rigs: HostRig[]): Promise<Map<string, string[][]>> {
  const perAgent = REQUESTS / (HOSTS.length * CREW_PER_HOST);
  let settled = 0;
  let restarted: Promise<void> | undefined;
  const sentBy = new Map<string, string[][]>();
  await Promise.all(
    rigs.flatMap((rig) =>
      rig.agents.map(async (address) => {
        const mine: string[][] = [];
        sentBy.set(address, mine);
        for (let i = 0; i < perAgent; i++) {
          mine.push(await handoff(rig, address));
          settled += 1;
          if (settled === REQUESTS / 3) restarted = pg.cluster.restart();
        }
      }),
    ),
  );
  await restarted;
  return sentBy;
}

const hostOf = (address: string): string | undefined => address.split('/')[2]?.split('-')[0];

async function expectEachOnceByItsHost(
  rigs: HostRig[],
  sentBy: Map<string, string[][]>,
  events: Map<string, string[]>,
): Promise<void> {
  const perAgent = REQUESTS / (HOSTS.length * CREW_PER_HOST);
  for (const rig of rigs) {
    // exactly once: one start at set-up plus one per request, for every agent
    for (const address of rig.agents) expect(starts(rig.town, address)).toHaveLength(1 + perAgent);
    // by the right host: a host's town only ever started its own agents
    for (const line of starts(rig.town))
      expect(line).toMatch(new RegExp(`^alpha/crew/${rig.host}-`));
    // the restart really cut the daemons' connections
    expect(rig.lost).toBeGreaterThanOrEqual(1);
  }
  // no daemon of another host ever touched a request (not even to reject it)
  let seen = 0;
  for (const [address, requests] of sentBy)
    for (const mid of requests.flat()) {
      const by = events.get(mid) ?? [];
      if (by.length > 0) seen += 1;
      for (const host of by) expect(host).toBe(hostOf(address));
    }
  expect(seen).toBeGreaterThan(REQUESTS / 2);
  const store = rigs[0]?.store as Store;
  const counts = await store.countByStatus('deacon');
  expect(counts.open + counts.claimed + counts.dead).toBe(0);
  const acted = (await store.listByStatus('deacon', 'done', 10_000)).filter((m) =>
    m.outcome?.startsWith('done'),
  );
  expect(acted).toHaveLength(REQUESTS);
  for (const agent of await store.listAgents()) expect(agent.host).toBe(hostOf(agent.identity));
}
