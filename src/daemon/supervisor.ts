// `gt daemon enable-supervisor`: a systemd user unit that runs this town's daemon and starts it
// again after a crash or a reboot. The unit's text is a pure function; writing and enabling it
// is the CLI's business.
import { InputError } from '../errors.js';
import { townSocket } from '../town/tmux-socket.js';

export interface UnitFacts {
  /** The town's real path. */
  root: string;
  /** The town's name (mayor/town.json). */
  name: string;
  /** [node, …/gt.cjs]: how this gt runs. */
  gt: readonly string[];
  /** PATH for the daemon: tmux, git and the agent CLIs must be found on it. */
  path: string;
}

/** The town's unit: named as its own tmux server is (its folder and a hash of its path). */
export function unitName(root: string): string {
  return `${townSocket(root, 'auto')}-daemon.service`;
}

/**
 * One ExecStart/Environment word, quoted for systemd: `%` is a specifier and `$` a variable to
 * it, so both are doubled; a newline cannot be said at all.
 */
export function systemdQuote(word: string): string {
  if (/[\n\r\0]/.test(word))
    throw new InputError('GT_BAD_USAGE', `${JSON.stringify(word)} cannot go in a systemd unit`);
  const escaped = word
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/%/g, '%%')
    .replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

export function unitText(facts: UnitFacts): string {
  const exec = [...facts.gt, 'daemon', 'run', '--quiet', '--supervised', '--town', facts.root]
    .map(systemdQuote)
    .join(' ');
  return [
    '[Unit]',
    `Description=Gas Town daemon of the town ${facts.name.replace(/[\n%]/g, '')}`,
    'After=default.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    `Environment=${systemdQuote(`PATH=${facts.path}`)}`,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}
