// `gt config get|set|unset <key>`: one setting read (its effective value and where it came
// from) or changed in settings/config.json, checked by the settings schema first. A running
// daemon takes a change up at its next heartbeat.
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { findTownRoot } from '../town/layout.js';
import { getPath, settingsFile } from '../town/settings.js';
import { keyParts, parseValue, setSetting, unsetSetting } from '../town/settings-edit.js';
import { shownValue } from '../town/settings-show.js';
import type { GlobalOptions } from './context.js';
import { openTown, printJson, println } from './context.js';
import type { GtCommand } from './program.js';

const globals = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();

/** The town's settings file, found without loading it (a file that is wrong can be mended). */
const fileOf = (cmd: Command): string =>
  settingsFile(findTownRoot({ town: globals(cmd).town, env: process.env }));

export function registerConfigEdit(config: GtCommand): void {
  config
    .command('get')
    .description('print one setting’s effective value (secrets masked) and where it came from')
    .argument('<key>', 'a dotted key, such as daemon.heartbeat or agents.crew.budget')
    .option('--json', 'print {"key", "value", "source"} as JSON')
    .action((key: string, opts: { json?: boolean }, cmd: Command) => {
      keyParts(key);
      const town = openTown(globals(cmd));
      const value = getPath(town.settings, key);
      if (value === undefined)
        throw new InputError('GT_BAD_USAGE', `no setting ${key}`, {
          hint: 'gt config show lists them all',
        });
      const shown = shownValue(key, value);
      const source = town.loaded.sources.get(key) ?? 'file/default';
      if (opts.json) printJson({ key, value: shown, source });
      else println(typeof shown === 'string' ? shown : JSON.stringify(shown));
    });
  config
    .command('set')
    .description(
      'set one setting in settings/config.json (the value as JSON where it reads as JSON: 30, true, ["a"]; else as text), checked before it is written',
    )
    .argument('<key>', 'a dotted key, such as daemon.heartbeat or agents.crew.budget')
    .argument('<value>', 'the value: 45s, 30, true, null, \'["mayor","*/witness"]\'')
    .action((key: string, text: string, _opts: unknown, cmd: Command) => {
      const file = fileOf(cmd);
      setSetting(file, key, parseValue(text));
      println(`${key} set in ${file}`);
    });
  config
    .command('unset')
    .description('remove one setting from settings/config.json: its default applies again')
    .argument('<key>', 'a dotted key')
    .action((key: string, _opts: unknown, cmd: Command) => {
      const file = fileOf(cmd);
      const removed = unsetSetting(file, key);
      println(removed ? `${key} unset in ${file}` : `${key} was not set in ${file}`);
    });
}
