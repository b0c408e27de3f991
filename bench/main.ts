// `npm run bench [section…]`: runs the benchmark sections, prints one table with each
// figure beside its same-run baseline, and writes bench/results.json.
import { resolve } from 'node:path';
import { benchAgents } from './agents.js';
import type { Row } from './harness.js';
import { printTable, writeResults } from './harness.js';
import { benchLifecycle } from './lifecycle.js';
import { benchMail } from './mail.js';
import { benchPeers } from './peers.js';
import { benchPostgres } from './postgres.js';
import { benchRuntimes } from './runtimes.js';
import { benchScale } from './scale.js';
import { benchStartup } from './startup.js';
import { benchSessions } from './sessions.js';

const root = resolve(import.meta.dirname, '..');
const gtBin = resolve(root, 'dist', 'gt.cjs');

/** Sections run only when named (their rows are part of another section's). */
const ONLY_WHEN_NAMED = new Set(['runtimes', 'claude']);

const SECTIONS: Record<string, () => Promise<Row[]>> = {
  mail: () => benchMail(gtBin),
  startup: async () => [
    ...(await benchStartup(gtBin)),
    ...(await (await import('./hooks.js')).benchHooks(gtBin)),
  ],
  sessions: () => benchSessions(gtBin),
  lifecycle: () => benchLifecycle(gtBin),
  peers: () => benchPeers(gtBin),
  scale: () => benchScale(gtBin),
  postgres: () => benchPostgres(),
  // Claude Code, then every other runtime (the runtimes section alone: those only).
  agents: async () => [...(await benchAgents(gtBin)), ...(await benchRuntimes(gtBin))],
  runtimes: () => benchRuntimes(gtBin),
  // Claude Code alone (the agents section without the other runtimes).
  claude: () => benchAgents(gtBin),
  failures: async () => (await import('./failures.js')).benchFailures(gtBin),
  dashboard: async () => (await import('./dashboard.js')).benchDashboard(gtBin),
  continuity: async () => (await import('./continuity.js')).benchContinuity(gtBin),
  notify: async () => (await import('./notify.js')).benchNotify(gtBin),
  spend: async () => (await import('./spend.js')).benchSpend(),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in SECTIONS));
  if (unknown.length > 0) {
    console.error(
      `bench: unknown section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}`,
    );
    process.exitCode = 2;
    return;
  }
  const rows: Row[] = [];
  for (const [name, run] of Object.entries(SECTIONS)) {
    if (wanted.length > 0 ? !wanted.includes(name) : ONLY_WHEN_NAMED.has(name)) continue;
    console.error(`bench: ${name}…`);
    rows.push(...(await run()));
  }
  printTable(rows);
  writeResults(resolve(root, 'bench', 'results.json'), rows);
}

await main();
