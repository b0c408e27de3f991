// `gt config show`: the effective settings, where each came from, and what it means.
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { describeSettingKey, flattenSettings, maskedSettings } from '../town/settings.js';
import type { GlobalOptions } from './context.js';
import { openTown, printJson, println } from './context.js';

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
    });
}
