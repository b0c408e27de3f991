// `gt session history <agent>`: the agent's sessions, newest first — the one running now and
// each that ended, with the conversation it held, how it began and how it ended.
import type { Command } from 'commander';
import { dollars, spendBy, totalOf } from '../spend/summary.js';
import type { AgentRecord, EndedSession, Store } from '../store/store.js';
import type { PriceSetting } from '../town/settings-spend.js';
import { parseIdentity, formatAddress } from '../town/identity.js';
import { requireKnownIdentity } from '../town/layout.js';
import { parseLimit } from './mail-read.js';
import type { GlobalOptions } from './context.js';
import { printJson, println, withTown } from './context.js';
import type { GtCommand } from './program.js';

export interface HistoryRow {
  started_at: string;
  ended_at: string | null;
  /** How it ended (null: running, as far as the store knows). */
  ending: string | null;
  detail: string | null;
  mode: string | null;
  runtime: string | null;
  conversation_id: string | null;
  transcript_path: string | null;
  /** What the session spent (its replies from its start to its end), where it is on record. */
  tokens?: number;
  cost_dollars?: number;
  cost_complete?: boolean;
}

const iso = (at: number): string => new Date(at).toISOString();

function endedRow(s: EndedSession): HistoryRow {
  return {
    started_at: iso(s.startedAt),
    ended_at: iso(s.endedAt),
    ending: s.ending,
    detail: s.detail,
    mode: s.mode,
    runtime: s.runtime,
    conversation_id: s.conversationId,
    transcript_path: s.transcriptPath,
  };
}

function currentRow(r: AgentRecord | undefined): HistoryRow[] {
  if (r?.startedAt == null) return [];
  return [
    {
      started_at: iso(r.startedAt),
      ended_at: null,
      ending: null,
      detail: r.activity,
      mode: r.sessionMode,
      runtime: r.runtime,
      conversation_id: r.conversationId,
      transcript_path: r.transcriptPath,
    },
  ];
}

/** Each session's spend: the agent's usage between the session's start and its end. */
async function withSpend(
  store: Store,
  address: string,
  rows: readonly HistoryRow[],
  prices: Readonly<Record<string, PriceSetting>>,
): Promise<HistoryRow[]> {
  const out: HistoryRow[] = [];
  for (const r of rows) {
    const since = Date.parse(r.started_at);
    const until = r.ended_at === null ? undefined : Date.parse(r.ended_at);
    const spent = totalOf(
      spendBy(await store.sumUsage({ identity: address, since, until }), 'agent', prices),
    );
    out.push({
      ...r,
      tokens: spent.total,
      cost_dollars: spent.cost,
      cost_complete: spent.unpriced.length === 0,
    });
  }
  return out;
}

const spentText = (r: HistoryRow): string =>
  r.tokens === undefined || r.tokens === 0
    ? ''
    : `  ${r.tokens.toLocaleString('en-US')} tokens ${dollars(r.cost_dollars ?? 0)}${r.cost_complete === false ? '+?' : ''}`;

function printRows(address: string, rows: readonly HistoryRow[]): void {
  if (rows.length === 0) {
    println(`${address} has no sessions on record`);
    return;
  }
  for (const r of rows) {
    const end = r.ending === null ? 'running' : `${r.ending} ${r.ended_at ?? ''}`;
    const detail = r.ending !== null && r.detail !== null ? `  (${r.detail})` : '';
    println(
      `${r.started_at}  ${(r.mode ?? '-').padEnd(7)}  ${(r.conversation_id ?? '-').padEnd(36)}  ${end}${detail}${spentText(r)}`,
    );
  }
}

export function registerSessionHistory(session: GtCommand): void {
  session
    .command('history')
    .description(
      'an agent’s sessions, newest first: started, fresh or resumed, its conversation id, and how it ended (crash, reboot, restart, handoff, context_full, stop, resume-failed, replaced)',
    )
    .argument('<identity>', 'agent address')
    .option('--limit <n>', 'at most this many sessions', '20')
    .option('--json', 'print an array of sessions as JSON')
    .action((text: string, flags: { json?: boolean; limit: string }, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), async (town) => {
        const id = parseIdentity(text);
        requireKnownIdentity(town.root, id);
        const address = formatAddress(id);
        const limit = parseLimit(flags.limit);
        const store = await town.store();
        const current = currentRow(await store.getAgent(address));
        const ended = (await store.listSessions(address, limit)).map(endedRow);
        const rows = await withSpend(
          store,
          address,
          [...current, ...ended].slice(0, limit),
          town.settings.prices,
        );
        if (flags.json) printJson(rows);
        else printRows(address, rows);
      }),
    );
}
