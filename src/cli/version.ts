// `gt version`: what runs here, each part with its version — this gt (and its build), the
// running daemon's gt, the store's schema beside the one this gt writes, Node, tmux, and each
// role's agent CLI as its session would run it. Nothing is changed to find out.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { runtimeOf, commandOf } from '../agents/runtime/index.js';
import { queryHolder } from '../daemon/lock.js';
import { openSqlite } from '../store/sqlite/driver.js';
import { schemaVersionOf } from '../store/sqlite/migrate.js';
import { SCHEMA_VERSION } from '../store/sqlite/schema.js';
import { ROLES } from '../town/identity.js';
import { TownNotFoundError } from '../errors.js';
import { GT_VERSION, gtBuild } from '../version.js';
import type { GlobalOptions, TownContext } from './context.js';
import { openTown, printJson, println } from './context.js';
import type { GtCommand } from './program.js';
import { probe } from './doctor/check.js';

/** The first line a program prints for `args`, or why it printed none. */
async function firstLine(
  program: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ version: string | null; error: string | null }> {
  const { out, error } = await probe(program, args, env);
  const line = out.trim().split('\n')[0] ?? '';
  return error !== null && line === '' ? { version: null, error } : { version: line, error: null };
}

interface AgentCli {
  roles: string[];
  runtime: string;
  program: string;
  version: string | null;
  error: string | null;
}

/** Each program the town's roles run, asked its version once. */
async function agentClis(town: TownContext): Promise<AgentCli[]> {
  const byProgram = new Map<string, AgentCli>();
  for (const role of ROLES) {
    const program = commandOf(town.settings, role).trim().split(/\s+/)[0] ?? '';
    const seen = byProgram.get(program);
    if (seen !== undefined) seen.roles.push(role);
    else {
      const runtime = runtimeOf(town.settings, role).name;
      byProgram.set(program, { roles: [role], runtime, program, version: null, error: null });
    }
  }
  const clis = [...byProgram.values()];
  await Promise.all(
    clis.map(async (c) => {
      if (c.runtime === 'shell') return;
      const env = { ...process.env, ...town.settings.agents[c.roles[0] as 'crew'].env };
      Object.assign(c, await firstLine(c.program, ['--version'], env));
    }),
  );
  return clis;
}

/** The store's schema as its file says, without opening it for writing (SQLite only). */
function storeSchema(town: TownContext): {
  backend: string;
  schema: number | null;
  gt_schema: number;
} {
  if (town.settings.store.url !== null)
    return { backend: 'postgres', schema: null, gt_schema: SCHEMA_VERSION };
  const file = town.paths.storeFile;
  if (!existsSync(file)) return { backend: 'sqlite', schema: null, gt_schema: SCHEMA_VERSION };
  try {
    const db = openSqlite(file, { readonly: true, fileMustExist: true });
    try {
      return { backend: 'sqlite', schema: schemaVersionOf(db) ?? null, gt_schema: SCHEMA_VERSION };
    } finally {
      db.close();
    }
  } catch {
    return { backend: 'sqlite', schema: null, gt_schema: SCHEMA_VERSION };
  }
}

async function versions(town: TownContext | undefined): Promise<Record<string, unknown>> {
  const tmux = await firstLine('tmux', ['-V']);
  const base = {
    gt: { version: GT_VERSION, build: gtBuild() },
    node: process.version,
    tmux: tmux.version ?? `not found (${tmux.error ?? ''})`,
  };
  if (town === undefined) return { ...base, town: null };
  const holder = await queryHolder(town.root, town.settings.daemon.host);
  return {
    ...base,
    town: town.root,
    daemon:
      holder === undefined
        ? null
        : { pid: holder.pid, version: holder.version ?? null, build: holder.build ?? null },
    store: storeSchema(town),
    agents: await agentClis(town),
  };
}

function print(v: Record<string, unknown>): void {
  const gt = v.gt as { version: string; build: string };
  println(`gt ${gt.version} (build ${gt.build})`);
  println(`node ${String(v.node)}`);
  println(String(v.tmux));
  if (v.town === null) return;
  const d = v.daemon as { pid: number; version: string | null; build: string | null } | null;
  println(
    d === null
      ? 'daemon: not running'
      : `daemon: pid ${d.pid}, gt ${d.version ?? '(older, unknown)'} (build ${d.build ?? 'unknown'})${d.build === gt.build ? '' : ': another build than this gt (gt daemon restart)'}`,
  );
  const s = v.store as { backend: string; schema: number | null; gt_schema: number };
  println(`store: ${s.backend}, schema ${s.schema ?? '?'} (this gt writes ${s.gt_schema})`);
  for (const a of v.agents as AgentCli[])
    println(
      `${a.roles.join(', ')}: ${a.program} ${a.version ?? (a.runtime === 'shell' ? '' : `(${a.error ?? 'no version'})`)}`.trimEnd(),
    );
}

export function registerVersion(program: GtCommand): void {
  program
    .command('version')
    .description(
      'versions of everything gt runs with: gt and its build, the running daemon’s, the store’s schema, Node, tmux and each role’s agent CLI',
    )
    .option('--json', 'print them as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      let town: TownContext | undefined;
      try {
        town = openTown(global);
      } catch (err) {
        // Outside a town (and none named): only what does not need one.
        if (!(err instanceof TownNotFoundError) || global.town !== undefined) throw err;
      }
      const v = await versions(town);
      if (opts.json) printJson(v);
      else print(v);
    });
}
