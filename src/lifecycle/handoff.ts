// The agent's side of the lifecycle protocol (`gt handoff`): mark the state file, mail the
// deacon, wake the daemon, and, if asked, follow the request until the daemon settles it.
import { isVerifiedSender } from '../agents/token.js';
import { GtError } from '../errors.js';
import type { LifecycleAction } from '../protocol/request.js';
import { newRequestId, requestMail } from '../protocol/request.js';
import { setRequesting } from '../state/agent-state.js';
import type { Message, Store } from '../store/store.js';
import { newThreadId } from '../mail/mail.js';
import type { Identity } from '../town/identity.js';
import { formatAddress } from '../town/identity.js';
import { requireKnownIdentity, townPaths } from '../town/layout.js';
import type { Settings } from '../town/settings.js';
import { poke } from '../util/socket.js';
import { pollUntil } from '../util/wait.js';
import type { RequestOutcome } from './outcome.js';
import { settledOutcome } from './outcome.js';

export interface HandoffDeps {
  root: string;
  settings: Settings;
  store: Store;
  /** The caller's GT_AGENT_TOKEN, if it has one. */
  token: string | undefined;
  now?: () => Date;
}

export interface HandoffRequest {
  identity: string;
  action: LifecycleAction;
  request_id: string;
  message_id: string;
  /** The note left in the agent's own inbox for its successor. */
  handoff_mail_id: string | null;
  daemon_poked: boolean;
}

export interface HandoffOutcome extends HandoffRequest {
  status: 'done' | 'dead';
  outcome: RequestOutcome;
  /** Why it ended as it did (a rejection's reason, a dead letter's last error). */
  reason: string | null;
}

export interface HandoffNote {
  /** -s: the handoff mail's subject, after `🤝 HANDOFF: `. */
  subject?: string | undefined;
  /** -m: what the successor should know. */
  note?: string | undefined;
}

/** The subject of the note an agent leaves its successor (as Gas Town writes it). */
export function handoffSubject(subject: string | undefined): string {
  if (subject === undefined || subject.trim() === '') return '🤝 HANDOFF: Session cycling';
  return subject.includes('HANDOFF') ? subject : `🤝 HANDOFF: ${subject}`;
}

const DEFAULT_NOTE = 'Context cycling: pick up where the previous session left off.';

/**
 * The protocol's agent side: the state file, a note to the agent's own inbox for its
 * successor (for a cycle or restart, or whenever a note is given), the mail to the deacon,
 * the poke.
 */
export async function requestHandoff(
  deps: HandoffDeps,
  id: Identity,
  action: LifecycleAction,
  text: HandoffNote = {},
): Promise<HandoffRequest> {
  requireKnownIdentity(deps.root, id);
  const address = formatAddress(id);
  const verified = await isVerifiedSender(deps.store, id, deps.token);
  if (!verified && deps.settings.lifecycle.require_verified_sender) {
    throw new GtError(
      'GT_UNVERIFIED_SENDER',
      `this shell cannot speak for ${address}: the daemon only takes lifecycle requests from the agent’s own session`,
      { hint: `run it inside the agent’s session, or use gt session restart ${address}` },
    );
  }
  const requestId = newRequestId();
  await setRequesting(deps.root, id, action, requestId, (deps.now ?? (() => new Date()))());
  // Mailed before the request, so the successor the daemon starts always finds it waiting.
  const handoffMail =
    action !== 'shutdown' || text.note !== undefined || text.subject !== undefined
      ? await mailSuccessor(deps.store, address, text, verified)
      : undefined;
  const mail = requestMail(address, action, requestId, text.note);
  const msg = await deps.store.sendMessage({
    from: address,
    to: 'deacon',
    subject: mail.subject,
    body: mail.body,
    priority: 'high',
    type: 'lifecycle',
    senderVerified: verified,
  });
  const poked = await poke(townPaths(deps.root).daemonSocket);
  return {
    identity: address,
    action,
    request_id: requestId,
    message_id: msg.id,
    handoff_mail_id: handoffMail?.id ?? null,
    daemon_poked: poked,
  };
}

/** The line that says what was requested: "requested cycle of … (request …, message …)". */
export function requestedLine(request: HandoffRequest): string {
  return `requested ${request.action} of ${request.identity} (request ${request.request_id}, message ${request.message_id})`;
}

function mailSuccessor(
  store: Store,
  address: string,
  text: HandoffNote,
  verified: boolean,
): Promise<Message> {
  return store.sendMessage({
    from: address,
    to: address,
    subject: handoffSubject(text.subject),
    body: text.note ?? DEFAULT_NOTE,
    priority: 'high',
    type: 'notification',
    threadId: newThreadId(),
    senderVerified: verified,
  });
}

/** Follows a request until the daemon settles it; throws GT_WAIT_TIMEOUT after `timeoutMs`. */
export async function waitForOutcome(
  store: Store,
  request: HandoffRequest,
  timeoutMs: number,
): Promise<HandoffOutcome> {
  const id = request.message_id;
  let status = 'open';
  const settled = await pollUntil(
    async () => {
      const msg = await store.getMessage(id);
      if (msg === undefined)
        throw new GtError(
          'GT_REQUEST_LOST',
          `request message ${id} was deleted before the daemon settled it`,
        );
      status = msg.status;
      const outcome = settledOutcome(msg);
      return outcome && { ...outcome, status: msg.status === 'dead' ? 'dead' : 'done' };
    },
    { timeoutMs, intervalMs: 25 },
  );
  if (settled === undefined) {
    throw new GtError(
      'GT_WAIT_TIMEOUT',
      `the daemon has not carried out ${id} yet (status ${status})`,
      {
        hint: 'is the daemon running? gt daemon status',
      },
    );
  }
  const { outcome, reason } = settled;
  return { ...request, status: settled.status as 'done' | 'dead', outcome, reason };
}
