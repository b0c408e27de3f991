// `gt install`, `gt rig add|list`, `gt crew add|list`: making a town and its workspaces.
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { addCrew, addRig, installTown, installTownOnStore } from '../setup/install.js';
import { findTownRoot, readRigs } from '../town/layout.js';
import { listCrew } from '../town/agents.js';
import type { GlobalOptions } from './context.js';
import { printJson, println } from './context.js';

function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function registerTown(program: GtCommand): void {
  program
    .command('install')
    .description('create a town in <dir> (a new or empty folder)')
    .argument('<dir>', 'folder to create the town in')
    .option('--name <name>', 'town name (default: the folder name)')
    .option(
      '--store <url>',
      'keep mail, agents and events in this PostgreSQL database (postgres://…), for a town on several machines',
    )
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: { name?: string; store?: string; json?: boolean }) => {
      const result =
        opts.store === undefined
          ? installTown(dir, opts.name)
          : await installTownOnStore(dir, opts.name, opts.store);
      if (opts.json) printJson(result);
      else println(`created town ${result.name} at ${result.root}`);
    });

  const rig = program.command('rig').description('rigs: the git repositories a town works on');
  rig
    .command('add')
    .description('register a rig and clone it to <rig>/refinery/rig')
    .argument('<name>', 'rig name (lower-case letters, digits, _ and inner -)')
    .argument('<git-url>', 'git URL or local path of the repository')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, url: string, opts: { json?: boolean }, cmd: Command) => {
      const root = findTownRoot({ town: globals(cmd).town });
      const result = await addRig(root, name, url);
      if (opts.json) printJson({ name: result.name, ...result.entry });
      else
        println(
          `added rig ${name} (branch ${result.entry.default_branch}) from ${result.entry.git_url}`,
        );
    });
  rig
    .command('list')
    .description('list the rigs of the town')
    .option('--json', 'print an array of rigs as JSON')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const root = findTownRoot({ town: globals(cmd).town });
      const rigs = Object.entries(readRigs(root).rigs).map(([name, entry]) => ({ name, ...entry }));
      if (opts.json) printJson(rigs);
      else if (rigs.length === 0) println('no rigs');
      else for (const r of rigs) println(`${r.name}\t${r.default_branch}\t${r.git_url}`);
    });

  const crew = program
    .command('crew')
    .description('crew: long-lived agents, each in its own full clone');
  crew
    .command('add')
    .description('add a crew member: a full clone at <rig>/crew/<name>')
    .argument('<name>', 'crew name')
    .requiredOption('--rig <rig>', 'the rig to clone')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { rig: string; json?: boolean }, cmd: Command) => {
      const root = findTownRoot({ town: globals(cmd).town });
      const result = await addCrew(root, name, opts.rig);
      const address = `${opts.rig}/crew/${name}`;
      if (opts.json) printJson({ address, path: result.path, branch: result.branch });
      else println(`added ${address} at ${result.path}`);
    });
  crew
    .command('list')
    .description('list crew members')
    .option('--rig <rig>', 'only this rig')
    .option('--json', 'print an array as JSON')
    .action((opts: { rig?: string; json?: boolean }, cmd: Command) => {
      const root = findTownRoot({ town: globals(cmd).town });
      const rigs = opts.rig !== undefined ? [opts.rig] : Object.keys(readRigs(root).rigs);
      const members = rigs.flatMap((r) =>
        listCrew(root, r).map((name) => ({ rig: r, name, address: `${r}/crew/${name}` })),
      );
      if (opts.json) printJson(members);
      else if (members.length === 0) println('no crew');
      else for (const m of members) println(m.address);
    });
}
