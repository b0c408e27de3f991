// GET /api/agents/:address: one agent's line of the snapshot, its recent events, and (asked for
// with ?screen=N) the last N lines of its screen. The address is parsed and checked against
// the town before anything is looked up.
import type { SessionHost } from '../sessions/host.js';
import type { AgentLine } from '../status/town.js';
import type { Store } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, parseIdentity, sessionName } from '../town/identity.js';
import { requireKnownIdentity } from '../town/layout.js';
import { errorMessage } from '../errors.js';
import type { TownFeed } from './feed.js';
import { HttpError } from './http.js';
import { eventJson } from '../status/event-json.js';

export const MAX_SCREEN_LINES = 200;
const RECENT_AGENT_EVENTS = 20;
const AGENT_EVENTS_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The agent a URL segment names: decoded, parsed, and known to the town; else a 4xx. */
export function resolveAgent(root: string, raw: string): Identity {
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'GT_BAD_IDENTITY', 'the address is not valid URL encoding');
  }
  const id = parseIdentity(text);
  requireKnownIdentity(root, id);
  return id;
}

function screenLines(url: URL): number | undefined {
  const text = url.searchParams.get('screen');
  if (text === null) return undefined;
  const n = Number(text);
  if (!/^\d{1,3}$/.test(text) || n < 1 || n > MAX_SCREEN_LINES)
    throw new HttpError(400, 'GT_BAD_LINES', `screen must be 1 to ${MAX_SCREEN_LINES} lines`);
  return n;
}

/**
 * Screen reads shared between requests: one tmux call per session and size per interval,
 * however many ask.
 */
export class ScreenCache {
  private readonly entries = new Map<string, { at: number; lines: Promise<string[]> }>();

  constructor(
    private readonly host: Pick<SessionHost, 'capture'>,
    private readonly ttlMs: number,
  ) {}

  capture(session: string, lines: number): Promise<string[]> {
    const key = `${session}\n${lines}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit !== undefined && now - hit.at < this.ttlMs) return hit.lines;
    for (const [k, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(k);
    const read = this.host.capture(session, lines);
    this.entries.set(key, { at: now, lines: read });
    read.catch(() => this.entries.delete(key));
    return read;
  }
}

async function screenOf(
  host: Pick<SessionHost, 'capture'>,
  agent: AgentLine,
  lines: number,
): Promise<{ screen: string[] | null; screen_error: string | null }> {
  if (agent.state === 'dead') return { screen: null, screen_error: 'no session' };
  try {
    return { screen: await host.capture(agent.session, lines), screen_error: null };
  } catch (err) {
    return { screen: null, screen_error: errorMessage(err) };
  }
}

export interface DetailSources {
  root: string;
  store: Store;
  screens: Pick<SessionHost, 'capture'>;
}

export async function agentDetail(
  src: DetailSources,
  feed: TownFeed,
  url: URL,
): Promise<Record<string, unknown>> {
  const id = resolveAgent(src.root, url.pathname.slice('/api/agents/'.length));
  const lines = screenLines(url);
  const address = formatAddress(id);
  const agent = (await feed.status()).status.agents.find((a) => a.address === address);
  if (agent === undefined || agent.session !== sessionName(id))
    throw new HttpError(404, 'GT_UNKNOWN_ADDRESS', `no agent ${address} in this town`);
  const events = await src.store.listEvents({
    identity: address,
    sinceTs: Date.now() - AGENT_EVENTS_WINDOW_MS,
    limit: RECENT_AGENT_EVENTS,
    newest: true,
  });
  return {
    agent,
    events: events.map(eventJson),
    ...(lines === undefined ? {} : await screenOf(src.screens, agent, lines)),
  };
}
