// `gt costs`: what the town's agents spent — tokens by kind and dollars — since a time, by agent,
// rig, role or model. What is new in this host's agents' files is read first, so the answer is
// current with or without a daemon running.
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import type { SpendLine } from '../spend/summary.js';
import { collectAgents } from '../spend/collect.js';
import { dayStart, dollars, GROUPINGS, spendBy, totalOf } from '../spend/summary.js';
import type { Grouping } from '../spend/summary.js';
import { parseDuration } from '../util/duration.js';
import type { GlobalOptions, TownContext } from './context.js';
import { printJson, println, withTown } from './context.js';
import type { GtCommand } from './program.js';

/** "today" (since local midnight), a duration ago (1d, 12h), or a time. */
export function parseSpendSince(text: string, now: number): number {
  if (text === 'today') return dayStart(now);
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new InputError(
      'GT_BAD_TIME',
      `--since ${JSON.stringify(text)} is not "today", a duration (1d, 12h) nor a time (2026-01-02T03:04:05Z)`,
    );
  return at;
}

function parseGrouping(text: string): Grouping {
  if ((GROUPINGS as readonly string[]).includes(text)) return text as Grouping;
  throw new InputError(
    'GT_BAD_USAGE',
    `--by ${JSON.stringify(text)}: one of ${GROUPINGS.join(', ')}`,
  );
}

function lineJson(l: SpendLine): Record<string, unknown> {
  return {
    key: l.key,
    input_tokens: l.tokens.input,
    output_tokens: l.tokens.output,
    cache_read_tokens: l.tokens.cacheRead,
    cache_write_tokens: l.tokens.cacheWrite,
    total_tokens: l.total,
    cost_dollars: l.cost,
    /** False when some of the tokens are of a model without a price (not in cost_dollars). */
    cost_complete: l.unpriced.length === 0,
    unpriced_models: l.unpriced,
    replies: l.replies,
    last_at: l.lastAt === 0 ? null : new Date(l.lastAt).toISOString(),
  };
}

const count = (n: number): string => n.toLocaleString('en-US');

function printLines(by: Grouping, lines: readonly SpendLine[], since: number): void {
  const from = new Date(since).toISOString().replace('T', ' ').slice(0, 16);
  if (lines.length === 0) {
    println(`nothing spent since ${from} UTC`);
    return;
  }
  const rows = [...lines, totalOf(lines)].map((l) => [
    l.key,
    count(l.tokens.input),
    count(l.tokens.output),
    count(l.tokens.cacheRead),
    count(l.tokens.cacheWrite),
    `${dollars(l.cost)}${l.unpriced.length > 0 ? '+?' : ''}`,
  ]);
  const head = [by.toUpperCase(), 'INPUT', 'OUTPUT', 'CACHE READ', 'CACHE WRITE', 'COST'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  println(`since ${from} UTC`);
  println(fmt(head));
  for (const r of rows) println(fmt(r));
  const unpriced = totalOf(lines).unpriced;
  if (unpriced.length > 0)
    println(
      `+? tokens of ${unpriced.join(', ')} have no price and are not in the cost: set prices.<model> in the settings (gt config show --explain prices)`,
    );
}

async function costs(town: TownContext, flags: CostsFlags): Promise<void> {
  const now = Date.now();
  const since = parseSpendSince(flags.since, now);
  const by = parseGrouping(flags.by);
  const store = await town.store();
  const host = town.settings.daemon.host;
  const mine = (await store.listAgents()).filter((r) => r.host === host);
  await collectAgents(store, mine, now, (err) => process.stderr.write(`gt: ${err.message}\n`));
  const lines = spendBy(await store.sumUsage({ since }), by, town.settings.prices);
  if (flags.json)
    printJson({
      since: new Date(since).toISOString(),
      by,
      lines: lines.map(lineJson),
      total: lineJson(totalOf(lines)),
    });
  else printLines(by, lines, since);
}

interface CostsFlags {
  since: string;
  by: string;
  json?: boolean;
}

export function registerCosts(program: GtCommand): void {
  program
    .command('costs')
    .description(
      'what the agents spent: input, output and cache tokens and dollars (prices per model, settings prices over the built-in list), read from each runtime’s own records (Claude Code, Codex, Gemini CLI, Pi)',
    )
    .option(
      '--since <when>',
      'today (since local midnight), a duration ago (1d, 12h) or a time',
      'today',
    )
    .option('--by <what>', `one line per ${GROUPINGS.join(', ')}`, 'agent')
    .option('--json', 'print {since, by, lines, total} as JSON')
    .action((flags: CostsFlags, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), (town) => costs(town, flags)),
    );
}
