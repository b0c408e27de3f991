// The demo's town: one rig cloned from a local git repository, its settings for either stand-in
// agents (any machine) or the real Claude Code talking to the scripted model server.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GtError } from '../errors.js';
import { claudeCandidates, findClaudeBinary } from './claude-bin.js';
import { addCrew, addRig, installTown } from '../setup/install.js';
import { readRigs } from '../town/layout.js';

export const RIG = 'demo';
const CREW = ['ada', 'bob'];
const GT_BIN = resolve(import.meta.dirname, 'gt.cjs');

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

export interface DemoOptions {
  handoffAfter: number;
  socket: string;
  /** Set for --runtime claude: the scripted server's URL. */
  modelUrl?: string | undefined;
}

/** Stand-in agents everywhere, each handing off by itself every `handoffAfter` seconds. */
function standInSettings(opts: DemoOptions): Record<string, unknown> {
  const command = `${shellQuote(process.execPath)} ${shellQuote(GT_BIN)} agent demo --interval 5 --handoff-after ${opts.handoffAfter}`;
  const agent = { command };
  return {
    tmux: { socket: opts.socket },
    daemon: { heartbeat: '5s', keep_alive: ['mayor', '*/witness', '*/refinery', '*/crew/*'] },
    agents: { mayor: agent, deacon: agent, witness: agent, refinery: agent, crew: agent },
  };
}

/** The mayor and crew ada as real Claude Code, in a HOME of their own (onboarding done). */
function claudeSettings(dir: string, opts: DemoOptions, modelUrl: string): Record<string, unknown> {
  // The pinned Claude Code (a devDependency: `npm ci` installs it).
  const claudeBin = findClaudeBinary();
  if (claudeBin === undefined)
    throw new GtError('GT_BAD_USAGE', 'Claude Code is not installed', {
      hint: `npm ci installs it (a devDependency); looked in ${claudeCandidates().join(', ')}`,
    });
  const home = join(dir, 'claude-home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
  const agent = {
    command: `${shellQuote(claudeBin)} --dangerously-skip-permissions`,
    sync: false,
    env: {
      HOME: home,
      ANTHROPIC_BASE_URL: modelUrl,
      ANTHROPIC_API_KEY: 'sk-demo-stand-in-key-0123456789',
    },
  };
  return {
    tmux: { socket: opts.socket },
    daemon: { heartbeat: '5s', keep_alive: ['mayor', `${RIG}/crew/ada`] },
    agents: { mayor: agent, crew: agent },
  };
}

export async function buildTown(dir: string, opts: DemoOptions): Promise<string> {
  const root = join(dir, 'town');
  if (!existsSync(join(root, 'mayor', 'town.json'))) installTown(root, { name: 'demo' });
  const origin = makeOrigin(dir);
  if (readRigs(root).rigs[RIG] === undefined) await addRig(root, RIG, origin);
  for (const name of CREW)
    if (!existsSync(join(root, RIG, 'crew', name))) await addCrew(root, name, RIG);
  const settings =
    opts.modelUrl === undefined ? standInSettings(opts) : claudeSettings(dir, opts, opts.modelUrl);
  writeFileSync(join(root, 'settings', 'config.json'), `${JSON.stringify(settings, null, 2)}\n`);
  return root;
}
