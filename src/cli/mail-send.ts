// `gt mail send` and `gt mail reply` from the command's own process: the message sent
// (agents/send-mail.ts), then whoever should know woken at once.
import { townHost } from '../agents/host.js';
import type { SendFlags } from '../agents/send-mail.js';
import { sendMessages, sentText } from '../agents/send-mail.js';
import { OVERSEER } from '../mail/address.js';
import { parseIdentity, sessionName } from '../town/identity.js';
import { poke } from '../util/socket.js';
import type { TownContext } from './context.js';
import { writeStdout } from './output.js';

export type { SendFlags };

/** Sends one message to each address; prints them; returns 0. */
export async function sendMail(
  town: TownContext,
  address: string | undefined,
  flags: SendFlags,
): Promise<number> {
  const ctx = {
    root: town.root,
    store: () => town.store(),
    self: () => town.self(),
    token: town.env.GT_AGENT_TOKEN,
  };
  const sent = await sendMessages(ctx, address, flags);
  await afterSending(town, [...new Set(sent.map((m) => m.to))], flags.notify === true);
  writeStdout(sentText(sent, flags.json === true));
  return 0;
}

/** Wakes the daemon for requests, and with --notify redraws the recipients' status lines. */
async function afterSending(
  town: TownContext,
  to: readonly string[],
  notify: boolean,
): Promise<void> {
  if (to.includes('deacon')) await poke(town.paths.daemonSocket);
  if (!notify) return;
  const host = townHost(town.root, town.settings);
  for (const address of to) {
    if (address === OVERSEER) continue;
    // The status line shows the unread count; a session not running has nothing to show.
    await host.refreshStatus(sessionName(parseIdentity(address))).catch(() => undefined);
  }
}
