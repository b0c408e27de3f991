// `gt nudge`, `gt mail send`, `gt status`, `gt handoff`, `gt prime` and `gt session restart` in
// the forms agents and scripts use, answered by the daemon over its socket
// (protocol/daemon-socket.ts reads them off the command line): the same code as the command's
// own process, the same output. What the command would refuse throws; the socket answers
// `fallback`, and gt runs in full, saying why.
import { restartAgent, restartedJson, restartedLine } from '../agents/agent.js';
import { resolveAgent } from '../agents/resolve.js';
import { checkPrompt, nudgeJson, queueNudge } from '../agents/nudges/queue.js';
import { formatAddress, parseIdentity } from '../town/identity.js';
import { requireKnownIdentity } from '../town/layout.js';
import { primeFacts, primeText } from '../agents/prime.js';
import { requestedLine, requestHandoff } from '../lifecycle/handoff.js';
import { LIFECYCLE_ACTIONS } from '../protocol/request.js';
import { sendMessages, sentText } from '../agents/send-mail.js';
import { sessionEnv } from '../protocol/daemon-socket.js';
import { InputError } from '../errors.js';
import { whoAmI } from '../town/whoami.js';
import type { HookAnswerDeps, HookReply } from './hook-answer.js';

const said = (stdout: string): HookReply => ({ stdout, stderr: '', code: 0 });
const json = (value: unknown): HookReply => said(`${JSON.stringify(value, null, 2)}\n`);

export async function answerNudgeRequest(
  deps: HookAnswerDeps,
  r: Record<string, unknown>,
): Promise<HookReply> {
  if (typeof r.to !== 'string') return { fallback: 'no address' };
  if (!Array.isArray(r.words) || !r.words.every((w) => typeof w === 'string'))
    return { fallback: 'no words' };
  const to = parseIdentity(r.to);
  requireKnownIdentity(deps.root, to);
  const text = checkPrompt(r.words.join(' '), 'GT_BAD_USAGE');
  const from = requester(deps, r).id;
  const { nudge } = await queueNudge(
    { root: deps.root, store: deps.store },
    { to: formatAddress(to), from: formatAddress(from), text },
    { poke: false },
  );
  deps.reported();
  return r.json === true ? json(nudgeJson(nudge)) : said(`queued ${nudge.id} for ${nudge.to}\n`);
}

export async function answerMailSend(
  deps: HookAnswerDeps,
  r: Record<string, unknown>,
): Promise<HookReply> {
  if (typeof r.to !== 'string') return { fallback: 'no address' };
  const flags = r.flags as Record<string, unknown> | undefined;
  const given = (k: string): string | undefined => {
    const value = flags?.[k];
    return typeof value === 'string' ? value : undefined;
  };
  const { env, id } = requester(deps, r);
  const ctx = {
    root: deps.root,
    store: () => Promise.resolve(deps.store),
    self: () => id,
    token: env.GT_AGENT_TOKEN,
  };
  const sendFlags = { subject: given('subject'), message: given('message'), body: given('body') };
  const sent = await sendMessages(ctx, r.to, sendFlags);
  if (sent.some((m) => m.to === 'deacon')) deps.changed();
  return said(sentText(sent, r.json === true));
}

export async function answerStatus(
  deps: HookAnswerDeps,
  r: Record<string, unknown>,
): Promise<HookReply> {
  if (deps.status === undefined) return { fallback: 'this daemon does not say the status' };
  return said(await deps.status(r.json === true));
}

/** Who the session says it is, from a request's env and cwd. */
function requester(deps: HookAnswerDeps, r: Record<string, unknown>) {
  if (typeof r.cwd !== 'string')
    throw new InputError('GT_BAD_REQUEST', 'the request names no working folder');
  const env = sessionEnv(r.env);
  return { env, id: whoAmI({ env, cwd: r.cwd, root: deps.root }) };
}

export async function answerPrime(
  deps: HookAnswerDeps,
  r: Record<string, unknown>,
): Promise<HookReply> {
  const facts = await primeFacts(deps.store, deps.root, requester(deps, r).id);
  if (r.json === true) return json({ ...facts, notes: facts.notes.map((n) => n.id) });
  return said(primeText(facts));
}

export async function answerHandoff(
  deps: HookAnswerDeps,
  r: Record<string, unknown>,
): Promise<HookReply> {
  const action = LIFECYCLE_ACTIONS.find((a) => a === r.action);
  if (action === undefined) return { fallback: 'no action' };
  const { env, id } = requester(deps, r);
  const note = {
    subject: typeof r.subject === 'string' ? r.subject : undefined,
    note: typeof r.message === 'string' ? r.message : undefined,
  };
  const handoffDeps = {
    root: deps.root,
    settings: deps.settings(),
    store: deps.store,
    token: env.GT_AGENT_TOKEN,
  };
  const request = await requestHandoff(handoffDeps, id, action, note);
  deps.changed();
  return r.json === true ? json(request) : said(`${requestedLine(request)}\n`);
}

/** As `gt session restart <address>`: the same continuity, the same words. */
export async function answerRestart(
  deps: HookAnswerDeps,
  r: Record<string, unknown>,
): Promise<HookReply> {
  if (typeof r.to !== 'string') return { fallback: 'no address' };
  const id = parseIdentity(r.to);
  requireKnownIdentity(deps.root, id);
  const ctx = deps.agents();
  const agent = resolveAgent(ctx, id);
  const started = await restartAgent(ctx, agent, {
    continuity: { ended: 'restart', detail: 'gt session restart' },
  });
  // A started agent has dialogs to pass and a prompt to reach: the watcher looks at once.
  deps.reported();
  return r.json === true ? json(restartedJson(started)) : said(`${restartedLine(started)}\n`);
}
