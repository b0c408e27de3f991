// `gt install`, `gt rig add|list`, `gt crew add|list`: making a town and its workspaces.
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Command } from 'commander';
import { GtError, InputError } from '../errors.js';
import { validateName } from '../town/identity.js';
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
    .description(
      'create a town in <dir> (default: here): a new or empty folder, or any folder with --force',
    )
    .argument('[dir]', 'folder to create the town in', '.')
    .option('-n, --name <name>', 'town name (default: the folder name)')
    .option('--force', 'make the town in a folder that already holds files (never over a town)')
    .option(
      '--store <url>',
      'keep mail, agents and events in this PostgreSQL database (postgres://…), for a town on several machines',
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (
        dir: string,
        opts: { name?: string; force?: boolean; store?: string; json?: boolean },
      ) => {
        const install = { name: opts.name, force: opts.force };
        const result =
          opts.store === undefined
            ? installTown(dir, install)
            : await installTownOnStore(dir, install, opts.store);
        if (opts.json) printJson(result);
        else println(`created town ${result.name} at ${result.root}`);
      },
    );

  const rig = program.command('rig').description('rigs: the git repositories a town works on');
  rig
    .command('add')
    .description('register a rig and clone it to <rig>/refinery/rig')
    .argument('<name>', 'rig name (lower-case letters, digits, _ and inner -)')
    .argument('<git-url>', 'git URL or local path of the repository')
    .option('--crew <name>', 'also add a crew member (repeat for several)', collect)
    .option('--json', 'print the result as JSON')
    .action(
      async (
        name: string,
        url: string,
        opts: { crew?: string[]; json?: boolean },
        cmd: Command,
      ) => {
        const root = findTownRoot({ town: globals(cmd).town });
        for (const member of opts.crew ?? []) validateName('crew', member);
        const result = await addRig(root, name, url);
        const crew = [];
        for (const member of opts.crew ?? []) crew.push(await addCrew(root, member, name));
        if (opts.json)
          printJson({ name: result.name, ...result.entry, crew: crew.map((c) => c.address) });
        else {
          println(
            `added rig ${name} (branch ${result.entry.default_branch}) from ${result.entry.git_url}`,
          );
          for (const c of crew) println(`added ${c.address} at ${c.path}`);
        }
      },
    );
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
    .description('add crew members: each a full clone at <rig>/crew/<name>')
    .argument('<names...>', 'crew names, or <rig>/<name>')
    .option('--rig <rig>', 'the rig (default: from <rig>/<name>, else the working directory)')
    .option('--json', 'print the added member as JSON (an array for several names)')
    .action(async (names: string[], opts: { rig?: string; json?: boolean }, cmd: Command) => {
      const root = findTownRoot({ town: globals(cmd).town });
      // As in Gas Town, the rig of a first `<rig>/<name>` is the rig of the bare names after it.
      const rig = opts.rig ?? (names[0]?.includes('/') ? names[0].split('/')[0] : undefined);
      const wanted = names.map((text) => crewTarget(root, text, rig));
      const added = [];
      for (const { rig: r, name } of wanted) {
        if (existsSync(join(root, r, 'crew', name))) {
          process.stderr.write(`gt: ${r}/crew/${name} already exists: skipped\n`);
          continue;
        }
        added.push(await addCrew(root, name, r));
      }
      if (added.length === 0)
        throw new GtError('GT_CREW_EXISTS', 'every crew member named already exists');
      const json = added.map((c) => ({ address: c.address, path: c.path, branch: c.branch }));
      // One name prints one object (as before), several an array.
      if (opts.json) printJson(names.length === 1 ? json[0] : json);
      else for (const c of added) println(`added ${c.address} at ${c.path}`);
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
        listCrew(root, r).map((name) => ({
          rig: r,
          name,
          address: `${r}/crew/${name}`,
          path: join(root, r, 'crew', name),
        })),
      );
      if (opts.json) printJson(members);
      else if (members.length === 0) println('no crew');
      else for (const m of members) println(m.address);
    });
}

const collect = (value: string, list: string[] = []): string[] => [...list, value];

/** Which rig a crew name goes to: `<rig>/<name>`, else --rig, else the rig the working directory is in. */
function crewTarget(
  root: string,
  text: string,
  flag: string | undefined,
): { rig: string; name: string } {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const rig = text.slice(0, slash);
    if (flag !== undefined && flag !== rig)
      throw new InputError('GT_BAD_USAGE', `${text} names rig ${rig}, but --rig says ${flag}`);
    return { rig: validateName('rig', rig), name: validateName('crew', text.slice(slash + 1)) };
  }
  const rig = flag ?? rigOfWorkingDir(root);
  if (rig === undefined) {
    throw new InputError('GT_BAD_USAGE', `which rig should ${text} join?`, {
      hint: `pass --rig <rig>, write <rig>/${text}, or run it inside the rig's folder`,
    });
  }
  return { rig: validateName('rig', rig), name: validateName('crew', text) };
}

function rigOfWorkingDir(root: string): string | undefined {
  const rel = relative(root, process.cwd());
  const first = rel.split(sep)[0];
  if (rel === '' || first === undefined || first === '..' || isAbsolute(rel)) return undefined;
  return readRigs(root).rigs[first] === undefined ? undefined : first;
}
