// `gt nudge <address> <text…>` handed to the daemon by the launcher (cli/hook-client.ts): the
// prompt queued as the command would queue it, and the command's own line answered. Anything
// the command would refuse throws, the socket answers `fallback`, and gt runs in full.
import { nudgeJson, checkPrompt, queueNudge } from '../agents/nudges/queue.js';
import { formatAddress, parseIdentity } from '../town/identity.js';
import { requireKnownIdentity } from '../town/layout.js';
import { whoAmI } from '../town/whoami.js';
import type { HookAnswerDeps, HookReply } from './hook-answer.js';
import { sessionEnv } from '../protocol/daemon-socket.js';

export async function answerNudgeRequest(
  deps: HookAnswerDeps,
  r: Record<string, unknown>,
): Promise<HookReply> {
  if (typeof r.to !== 'string' || typeof r.cwd !== 'string') return { fallback: 'no address' };
  if (!Array.isArray(r.words) || !r.words.every((w) => typeof w === 'string'))
    return { fallback: 'no words' };
  const to = parseIdentity(r.to);
  requireKnownIdentity(deps.root, to);
  const text = checkPrompt(r.words.join(' '), 'GT_BAD_USAGE');
  const from = whoAmI({ env: sessionEnv(r.env), cwd: r.cwd, root: deps.root });
  const { nudge } = await queueNudge(
    { root: deps.root, store: deps.store },
    { to: formatAddress(to), from: formatAddress(from), text },
    { poke: false },
  );
  deps.changed();
  const line =
    r.json === true
      ? `${JSON.stringify(nudgeJson(nudge), null, 2)}\n`
      : `queued ${nudge.id} for ${nudge.to}\n`;
  return { stdout: line, stderr: '', code: 0 };
}
