// `gt why <address>`: why an agent is (or is not) doing its work, in one paragraph.
import { InternalError } from '../errors.js';
import type { Command } from 'commander';
import { explain } from '../status/why.js';
import { formatAddress, parseIdentity } from '../town/identity.js';
import { requireKnownIdentity } from '../town/layout.js';
import type { GlobalOptions } from './context.js';
import { printJson, println, withTown } from './context.js';
import type { GtCommand } from './program.js';
import { statusOf } from './status.js';
import { PENDING_NUDGE } from '../store/store.js';

export function registerWhy(program: GtCommand): void {
  program
    .command('why')
    .description(
      'why an agent is or is not working: wanted against actual, its activity, the daemon’s last decision and reason, what happens next and when',
    )
    .argument('<address>', 'the agent (mayor, alpha/witness, alpha/crew/max, …)')
    .option('--json', 'print {address, wanted, actual, activity, last_decision, next, text}')
    .action((address: string, opts: { json?: boolean }, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), async (town) => {
        const id = parseIdentity(address);
        requireKnownIdentity(town.root, id);
        const canonical = formatAddress(id);
        const status = await statusOf(town);
        const agent = status.agents.find((a) => a.address === canonical);
        if (agent === undefined) throw new InternalError(`${canonical} is missing from the status`);
        const store = await town.store();
        const last = (await store.listEvents({ identity: canonical, limit: 1, newest: true }))[0];
        const queued = await store.listNudges({ to: canonical, statuses: PENDING_NUDGE });
        const why = explain({
          agent,
          daemon: status.daemon,
          last,
          queuedNudges: queued.length,
          now: Date.now(),
        });
        if (opts.json) printJson(why);
        else println(why.text);
      }),
    );
}
