// `gt session history <agent>`: the agent's sessions, newest first — the one running now and
// each that ended, with the conversation it held, how it began and how it ended.
import type { Command } from 'commander';
import type { AgentRecord, EndedSession } from '../store/store.js';
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

function printRows(address: string, rows: readonly HistoryRow[]): void {
  if (rows.length === 0) {
    println(`${address} has no sessions on record`);
    return;
  }
  for (const r of rows) {
    const end = r.ending === null ? 'running' : `${r.ending} ${r.ended_at ?? ''}`;
    const detail = r.ending !== null && r.detail !== null ? `  (${r.detail})` : '';
    println(
      `${r.started_at}  ${(r.mode ?? '-').padEnd(7)}  ${(r.conversation_id ?? '-').padEnd(36)}  ${end}${detail}`,
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
        const rows = [...current, ...ended].slice(0, limit);
        if (flags.json) printJson(rows);
        else printRows(address, rows);
      }),
    );
}
