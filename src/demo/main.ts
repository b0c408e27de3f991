// `npm start`: makes (or reuses) a demo town with one rig cloned from a local git
// repository, starts the mayor, witness, refinery and two crew as demo agents that hand
// off every 20 s, and runs the daemon in the foreground, one line per event.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Daemon } from '../daemon/daemon.js';
import { keepAliveSet } from '../daemon/keepalive.js';
import { fileLogger } from '../daemon/logger.js';
import { errorMessage, GtError } from '../errors.js';
import { startAgent } from '../agents/agent.js';
import { attachHint, townHost } from '../agents/host.js';
import { sessionState } from '../sessions/host.js';
import { openStore } from '../store/open.js';
import type { StoredEvent } from '../store/store.js';
import { formatAddress, sessionName } from '../town/identity.js';
import { addCrew, addRig, installTown } from '../setup/install.js';
import { readRigs, townPaths } from '../town/layout.js';
import { loadSettings } from '../town/settings.js';
import { parseDuration } from '../util/duration.js';

const GT_BIN = resolve(import.meta.dirname, 'gt.cjs');
const RIG = 'demo';
const CREW = ['ada', 'bob'];

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function git(cwd: string, ...args: string[]): void {
  execFileSync(
    'git',
    ['-c', 'user.name=Gas Town demo', '-c', 'user.email=demo@gastown.invalid', ...args],
    { cwd, stdio: 'ignore' },
  );
}

/** A local repository for the rig to clone, with one commit on main. */
function makeOrigin(dir: string): string {
  const origin = join(dir, 'origin.git');
  if (existsSync(origin)) return origin;
  const work = join(dir, 'origin-work');
  mkdirSync(work, { recursive: true });
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  git(work, 'init', '--quiet', '--initial-branch=main');
  writeFileSync(join(work, 'README.md'), '# demo rig\n\nA repository for the Gas Town demo.\n');
  git(work, 'add', 'README.md');
  git(work, 'commit', '--quiet', '-m', 'first commit');
  git(work, 'push', '--quiet', origin, 'main');
  return origin;
}

async function buildTown(dir: string, handoffAfter: number, socket: string): Promise<string> {
  const root = join(dir, 'town');
  if (!existsSync(join(root, 'mayor', 'town.json'))) installTown(root, { name: 'demo' });
  const origin = makeOrigin(dir);
  if (readRigs(root).rigs[RIG] === undefined) await addRig(root, RIG, origin);
  for (const name of CREW)
    if (!existsSync(join(root, RIG, 'crew', name))) await addCrew(root, name, RIG);
  const command = `${shellQuote(process.execPath)} ${shellQuote(GT_BIN)} agent demo --interval 5 --handoff-after ${handoffAfter}`;
  const agent = { command };
  const settings = {
    tmux: { socket },
    daemon: { heartbeat: '5s', keep_alive: ['mayor', '*/witness', '*/refinery', '*/crew/*'] },
    agents: { mayor: agent, deacon: agent, witness: agent, refinery: agent, crew: agent },
  };
  writeFileSync(join(root, 'settings', 'config.json'), `${JSON.stringify(settings, null, 2)}\n`);
  return root;
}

function printEvent(e: StoredEvent): void {
  const time = new Date(e.ts).toISOString().slice(11, 23);
  const bits = [time, e.kind.padEnd(16), (e.identity ?? '').padEnd(18)];
  if (e.action) bits.push(e.action);
  if (e.outcome) bits.push(e.outcome);
  if (e.reason) bits.push(`(${e.reason})`);
  if (e.durationMs !== null) bits.push(`${e.durationMs} ms`);
  console.log(bits.join('  '));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.demo-town') },
      'handoff-after': { type: 'string', default: '20' },
      for: { type: 'string' },
      socket: { type: 'string', default: 'auto' },
    },
  });
  const handoffAfter = Number(values['handoff-after']);
  const runFor = values.for === undefined ? undefined : parseDuration(values.for);
  if (!Number.isFinite(handoffAfter) || handoffAfter <= 0)
    throw new GtError('GT_BAD_USAGE', '--handoff-after takes seconds');
  if (values.for !== undefined && runFor === undefined)
    throw new GtError('GT_BAD_USAGE', '--for takes a duration like 60s');

  const dir = resolve(values.dir);
  mkdirSync(dir, { recursive: true });
  const root = await buildTown(dir, handoffAfter, values.socket);
  const { settings } = loadSettings(root);
  const store = await openStore(root, settings);
  const host = townHost(root, settings);
  const hostName = settings.daemon.host;
  const ctx = { root, settings, store, host, hostName };
  console.log(`demo town at ${root} (tmux socket ${host.socket})`);
  for (const id of keepAliveSet(root, settings.daemon.keep_alive)) {
    const info = await host.find(sessionName(id));
    if (info !== undefined && sessionState(info) === 'alive') continue;
    if (info !== undefined) await host.stop(info.name);
    await startAgent(ctx, id);
    console.log(`started ${formatAddress(id)} in tmux session ${sessionName(id)}`);
  }
  console.log(`watch one: ${attachHint(host.socket, `gt-${RIG}-crew-ada`)}    (detach: C-b d)`);
  console.log(
    'daemon running; every agent hands off after its interval. Ctrl-C stops the daemon.\n',
  );

  const log = fileLogger({ file: townPaths(root).daemonLog });
  const daemon = new Daemon({ root, settings, store, host, hostName, log, onEvent: printEvent });
  await daemon.start();
  await new Promise<void>((resolveStop) => {
    const stop = (): void => void daemon.stop().then(resolveStop, resolveStop);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (runFor !== undefined) setTimeout(stop, runFor).unref();
  });
  await store.close();
  console.log(
    `\ndaemon stopped; the agents keep running. Stop them with: tmux -L ${host.socket} kill-server`,
  );
}

main().catch((err: unknown) => {
  console.error(`demo: ${errorMessage(err)}`);
  process.exitCode = 1;
});
