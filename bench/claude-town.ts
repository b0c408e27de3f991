// A bench town whose crew are the real Claude Code, all in one HOME (one person's agents) that
// has only finished onboarding (their dialogs left for gastown-ts to answer, as a new user's
// are: ahead in the config by default, on screen with GT_BENCH_DIALOGS=screen), and the floor
// beside it: the same CLI in a bare tmux session, its dialogs pre-accepted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claude as claudeProfile } from '../src/agents/runtime/claude.js';
import { findClaudeBinary } from '../src/demo/claude-bin.js';
import type { AgentBench } from './agent-town.js';
import { agentBenchTown, FloorSession } from './agent-town.js';

export const API_KEY = 'sk-bench-0123456789abcdefghijklmnopqrstuvwxyz';

export interface ClaudeBench extends AgentBench {
  bin: string;
}

function claudeHome(path: string, trusted: string[] = []): string {
  mkdirSync(join(path, '.claude'), { recursive: true });
  const projects = Object.fromEntries(trusted.map((d) => [d, { hasTrustDialogAccepted: true }]));
  const config = {
    hasCompletedOnboarding: true,
    ...(trusted.length > 0
      ? { projects, customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] } }
      : {}),
  };
  writeFileSync(join(path, '.claude.json'), JSON.stringify(config));
  if (trusted.length > 0)
    writeFileSync(
      join(path, '.claude', 'settings.json'),
      JSON.stringify({ skipDangerousModePermissionPrompt: true }),
    );
  return path;
}

/** How the crew's dialogs are answered in this run: `agents.crew.dialogs`. */
export const BENCH_DIALOGS = process.env.GT_BENCH_DIALOGS === 'screen' ? 'screen' : 'ahead';

/** A town with crew c0…c<n-1> running Claude Code, in one HOME. */
export async function claudeBenchTown(gtBin: string, crew: number): Promise<ClaudeBench> {
  const bin = findClaudeBinary();
  if (bin === undefined) throw new Error('bench: Claude Code is not installed (npm ci)');
  const b = await agentBenchTown(gtBin, {
    label: 'agents',
    crew,
    crewSettings: (server, dir) => {
      const home = claudeHome(join(dir, 'homes', 'crew'));
      return {
        command: `${bin} --dangerously-skip-permissions`,
        sync: false,
        dialogs: BENCH_DIALOGS,
        env: { HOME: home, ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: API_KEY },
      };
    },
  });
  return { ...b, bin };
}

/** Claude Code in a bare tmux session, its dialogs pre-accepted for its work dir. */
export function claudeFloor(b: ClaudeBench): FloorSession {
  const work = join(b.dir, 'floor-work');
  mkdirSync(work, { recursive: true });
  const home = claudeHome(join(b.dir, 'homes', 'floor'), [work]);
  return new FloorSession({
    profile: claudeProfile,
    argv: [b.bin, '--dangerously-skip-permissions'],
    env: {
      ...claudeProfile.env({ root: process.getuid?.() === 0 }),
      HOME: home,
      ANTHROPIC_BASE_URL: b.server.url,
      ANTHROPIC_API_KEY: API_KEY,
    },
    work,
  });
}
