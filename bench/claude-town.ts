// A bench town whose crew are the real Claude Code, each in a HOME of its own that has only
// finished onboarding (its dialogs left for the daemon to answer, as a new user's are), and the
// floor beside it: the same CLI in a bare tmux session, its dialogs pre-accepted.
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

/** A town with crew c0…c<n-1> running Claude Code, each in a HOME of its own. */
export async function claudeBenchTown(gtBin: string, crew: number): Promise<ClaudeBench> {
  const bin = findClaudeBinary();
  if (bin === undefined) throw new Error('bench: Claude Code is not installed (npm ci)');
  const b = await agentBenchTown(gtBin, {
    label: 'agents',
    crew,
    crewSettings: (server, dir) => {
      for (let i = 0; i < crew; i++) claudeHome(join(dir, 'homes', `c${i}`));
      return {
        command: `HOME="${join(dir, 'homes')}/$GT_CREW" exec ${bin} --dangerously-skip-permissions`,
        sync: false,
        env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: API_KEY },
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
