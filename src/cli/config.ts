// `gt config show`: the effective settings, where each came from, and what it means.
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { findRuntime, RUNTIMES } from '../agents/runtime/index.js';
import { InputError } from '../errors.js';
import type { RuntimeDefinition } from '../town/settings-runtimes.js';
import {
  describeSettingKey,
  flattenSettings,
  maskedSettings,
  shownValue,
} from '../town/settings.js';
import type { GlobalOptions } from './context.js';
import { openTown, printJson, println } from './context.js';
import { registerConfigEdit } from './config-edit.js';

export function registerConfig(program: GtCommand): void {
  const config = program.command('config').description('town settings (settings/config.json)');
  config
    .command('show')
    .description(
      'show the effective settings: flags > GT_* environment > settings/config.json > defaults',
    )
    .option('--json', 'print the settings object as JSON')
    .option('--explain', 'also show where each value came from and what it means')
    .action((opts: { json?: boolean; explain?: boolean }, cmd: Command) => {
      const town = openTown(cmd.optsWithGlobals<GlobalOptions>());
      const { settings, sources, file } = town.loaded;
      // Secrets of the agents' environments are masked in every form this prints.
      if (opts.json) {
        printJson(maskedSettings(settings));
        return;
      }
      println(`# ${file}`);
      for (const { key, value } of flattenSettings(maskedSettings(settings))) {
        const source = sources.get(key) ?? (key === 'daemon.host' ? 'machine' : 'file/default');
        const line = `${key} = ${JSON.stringify(value)}`;
        if (!opts.explain) {
          println(line);
          continue;
        }
        const about = describeSettingKey(key);
        println(`${line.padEnd(58)} [${source}]${about ? `  ${about}` : ''}`);
      }
      if (opts.explain)
        println(
          '# gt config runtime <name> prints a runtime (built-in or runtimes.<name>) as data to start one of your own from',
        );
    });
  registerConfigEdit(config);
  config
    .command('runtime')
    .description(
      'print a runtime as settings data (the runtimes.<name> shape): a built-in, to start one of your own from, or one of yours',
    )
    .argument(
      '<name>',
      `a runtime: ${RUNTIMES.map((r) => r.name).join(', ')} or one of runtimes.<name>`,
    )
    .action((name: string, _opts: unknown, cmd: Command) => {
      const town = openTown(cmd.optsWithGlobals<GlobalOptions>());
      const profile = findRuntime(name, town.settings);
      if (profile === undefined)
        throw new InputError('GT_BAD_USAGE', `no runtime ${JSON.stringify(name)}`, {
          hint: `built in: ${RUNTIMES.map((r) => r.name).join(', ')}; yours: runtimes.<name> in settings`,
        });
      const definition = profile.definition?.();
      printJson(definition === undefined ? {} : maskedDefinition(name, definition));
    });
}

/** Secrets of a runtime's environment masked, as gt config show masks them. */
function maskedDefinition(name: string, def: RuntimeDefinition): RuntimeDefinition {
  const env = Object.fromEntries(
    Object.entries(def.env).map(([k, v]) => [
      k,
      String(shownValue(`runtimes.${name}.env.${k}`, v)),
    ]),
  );
  return { ...def, env };
}
