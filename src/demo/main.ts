// `npm start`: makes (or reuses) a demo town with one rig cloned from a local git repository
// and runs the daemon in the foreground, one line per event. By default the agents are
// stand-ins that hand off every 20 s; with `--runtime claude` the mayor and one crew member
// are the real Claude Code, talking to a scripted stand-in for the model, and are told to
// hand off (by a prompt the daemon delivers) every 20 s.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AgentContext } from '../agents/context.js';
import { agentContext } from '../agents/context.js';
import { resolveAgent } from '../agents/resolve.js';
import { startAgent } from '../agents/agent.js';
import { locateGt } from '../agents/gt-command.js';
import { attachHint } from '../agents/host.js';
import { Daemon } from '../daemon/daemon.js';
import { keepAliveSet } from '../daemon/keepalive.js';
import { fileLogger } from '../daemon/logger.js';
import { errorMessage, GtError } from '../errors.js';
import { sessionState } from '../sessions/host.js';
import { openStore } from '../store/open.js';
import type { Store, StoredEvent } from '../store/store.js';
import { formatAddress, sessionName } from '../town/identity.js';
import { townPaths } from '../town/layout.js';
import { loadSettings } from '../town/settings.js';
import { parseDuration } from '../util/duration.js';
import type { ModelServer } from './model-server.js';
import { startModelServer } from './model-server.js';
import { buildTown, RIG } from './town.js';

function printEvent(e: StoredEvent): void {
  const time = new Date(e.ts).toISOString().slice(11, 23);
  const bits = [time, e.kind.padEnd(16), (e.identity ?? '').padEnd(18)];
  if (e.action) bits.push(e.action);
  if (e.outcome) bits.push(e.outcome);
  if (e.reason) bits.push(`(${e.reason})`);
  if (e.durationMs !== null) bits.push(`${e.durationMs} ms`);
  console.log(bits.join('  '));
}

interface Args {
  dir: string;
  handoffAfter: number;
  runFor: number | undefined;
  socket: string;
  claude: boolean;
}

function parse(): Args {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.demo-town') },
      'handoff-after': { type: 'string', default: '20' },
      for: { type: 'string' },
      socket: { type: 'string', default: 'auto' },
      runtime: { type: 'string', default: 'demo' },
    },
  });
  const handoffAfter = Number(values['handoff-after']);
  const runFor = values.for === undefined ? undefined : parseDuration(values.for);
  if (!Number.isFinite(handoffAfter) || handoffAfter <= 0)
    throw new GtError('GT_BAD_USAGE', '--handoff-after takes seconds');
  if (values.for !== undefined && runFor === undefined)
    throw new GtError('GT_BAD_USAGE', '--for takes a duration like 60s');
  if (values.runtime !== 'demo' && values.runtime !== 'claude')
    throw new GtError('GT_BAD_USAGE', '--runtime takes demo (stand-in agents) or claude');
  const claude = values.runtime === 'claude';
  return { dir: resolve(values.dir), handoffAfter, runFor, socket: values.socket, claude };
}

/** Starts every kept-alive agent that is not running already. */
async function startAgents(ctx: AgentContext, keep: readonly string[]): Promise<void> {
  for (const id of keepAliveSet(ctx.root, keep)) {
    const info = await ctx.host.find(sessionName(id));
    if (info !== undefined && sessionState(info) === 'alive') continue;
    if (info !== undefined) await ctx.host.stop(info.name);
    await startAgent(ctx, resolveAgent(ctx, id));
    console.log(`started ${formatAddress(id)} in tmux session ${sessionName(id)}`);
  }
}

/** With Claude Code: every `seconds`, a prompt asking each agent to hand off. */
function handoffPrompts(store: Store, agents: readonly string[], seconds: number): () => void {
  let round = 0;
  const timer = setInterval(() => {
    round += 1;
    for (const to of agents) {
      const text = `Time to hand off. BASH:gt handoff -s "demo cycle ${round}" -m "Carry on with step ${round + 1} of the demo task."`;
      void store.enqueueNudge({ to, from: 'overseer', text }).catch(() => undefined);
    }
  }, seconds * 1000);
  return () => clearInterval(timer);
}

async function main(): Promise<void> {
  const args = parse();
  mkdirSync(args.dir, { recursive: true });
  let server: ModelServer | undefined;
  if (args.claude) {
    server = await startModelServer();
    console.log(`model server (a stand-in for the Anthropic API, scripted) on ${server.url}`);
  }
  const opts = { handoffAfter: args.handoffAfter, socket: args.socket, modelUrl: server?.url };
  const root = await buildTown(args.dir, opts);
  const { settings } = loadSettings(root);
  const store = await openStore(root, settings);
  const gt = locateGt(fileURLToPath(import.meta.url));
  const ctx = agentContext({ root, settings, store, gt });
  const host = ctx.host;
  console.log(`demo town at ${root} (tmux socket ${host.socket})`);
  await startAgents(ctx, settings.daemon.keep_alive);
  console.log(`watch one: ${attachHint(host.socket, `gt-${RIG}-crew-ada`)}    (detach: C-b d)`);
  console.log(
    'daemon running; every agent hands off after its interval. Ctrl-C stops the daemon.\n',
  );

  const log = fileLogger({ file: townPaths(root).daemonLog });
  const daemon = new Daemon({ ...ctx, log, onEvent: printEvent });
  await daemon.start();
  const stopPrompts = args.claude
    ? handoffPrompts(store, ['mayor', `${RIG}/crew/ada`], args.handoffAfter)
    : () => undefined;
  await new Promise<void>((resolveStop) => {
    const stop = (): void => void daemon.stop().then(resolveStop, resolveStop);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (args.runFor !== undefined) setTimeout(stop, args.runFor).unref();
  });
  stopPrompts();
  await store.close();
  await server?.close();
  console.log(
    `\ndaemon stopped; the agents keep running. Stop them with: tmux -L ${host.socket} kill-server`,
  );
}

main().catch((err: unknown) => {
  console.error(`demo: ${errorMessage(err)}`);
  process.exitCode = 1;
});
