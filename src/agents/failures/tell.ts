// Telling a person, through the mayor's inbox, that an agent needs one: held, parked, stalled,
// blocked. One mail from the deacon (verified, high priority) per stretch; the caller records
// that it told.
import type { Message } from '../../store/store.js';
import type { AgentContext } from '../context.js';

export interface Telling {
  subject: string;
  body: string;
}

export function tellMayor(ctx: Pick<AgentContext, 'store'>, t: Telling): Promise<Message> {
  return ctx.store.sendMessage({
    from: 'deacon',
    to: 'mayor',
    subject: t.subject,
    body: t.body,
    priority: 'high',
    type: 'notification',
    senderVerified: true,
  });
}
