// `gt daemon enable-supervisor`: the daemon as a systemd user service, so it comes back after a
// crash or a reboot (and with it every agent wanted running). Where systemd's user manager
// cannot be reached, the unit is printed with what to do with it.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { unitName, unitText } from '../daemon/supervisor.js';
import { GtError } from '../errors.js';
import { daemonStatus } from '../status/daemon.js';
import { readTownMarker } from '../town/layout.js';
import type { GlobalOptions, TownContext } from './context.js';
import { printJson, println, thisGt, withTown } from './context.js';
import type { GtCommand } from './program.js';
import { recordUnit, systemctl, unitFile } from './supervisor-unit.js';

interface Flags {
  print?: boolean;
  json?: boolean;
}

async function enableSupervisor(town: TownContext, flags: Flags): Promise<number> {
  const gt = thisGt();
  if (gt === undefined)
    throw new GtError(
      'GT_BAD_USAGE',
      'this gt is not a built one (npm run build makes dist/gt.cjs)',
    );
  const root = realpathSync(town.root);
  const name = unitName(root);
  const text = unitText({
    root,
    name: readTownMarker(root).name,
    gt: gt.argv,
    path: town.env.PATH ?? '',
  });
  const file = unitFile(town.env, name);
  const report = (enabled: boolean, note: string): number => {
    if (flags.json) printJson({ unit: name, file: enabled ? file : null, enabled, note, text });
    else if (enabled) println(`${note}`);
    else {
      println(text.trimEnd());
      process.stderr.write(`gt: ${note}\n`);
    }
    return 0;
  };
  if (flags.print)
    return report(false, `save it as ${file}, then: systemctl --user enable --now ${name}`);
  const reachable = await systemctl(['show-environment'], town.env);
  if (reachable instanceof Error)
    return report(
      false,
      `systemd's user manager is not reachable here (${reachable.message}); save the unit above as ${file}, then: systemctl --user enable --now ${name}`,
    );
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text, { mode: 0o644 });
  const before = await daemonStatus(town.root, town.settings.daemon.host);
  for (const args of [['daemon-reload'], ['enable', '--now', name]]) {
    const failed = await systemctl(args, town.env);
    if (failed instanceof Error)
      throw new GtError('GT_SUPERVISOR', `systemctl --user ${args.join(' ')}: ${failed.message}`);
  }
  recordUnit(town.paths, { unit: name, file });
  // A daemon started without the service hands the town over to the service's own.
  const now = before.running
    ? `the daemon runs under it now (it takes over from pid ${before.pid ?? '?'} once that one has finished the request in hand)`
    : 'the daemon runs under it now';
  return report(
    true,
    `enabled ${name} (${file}); ${now}. For it to start at boot without a login: loginctl enable-linger`,
  );
}

export function registerSupervisor(daemon: GtCommand): void {
  daemon
    .command('enable-supervisor')
    .description(
      'run the daemon as a systemd user service that restarts it and starts it at boot (prints the unit where systemd is absent)',
    )
    .option('--print', 'only print the unit')
    .option('--json', 'print {unit, file, enabled, note, text} as JSON')
    .action((flags: Flags, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), (town) => enableSupervisor(town, flags)),
    );
}
