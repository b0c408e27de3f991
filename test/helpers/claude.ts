// A town whose agents are the real Claude Code CLI (the pinned npm package), talking to our
// scripted model server on 127.0.0.1: no network, nothing of the user's HOME touched.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claudeCandidates, findClaudeBinary } from '../../src/demo/claude-bin.js';
import type { ModelServer } from '../../src/demo/model-server.js';
import { startModelServer } from '../../src/demo/model-server.js';
import { TmuxHost } from '../../src/sessions/tmux.js';
import { onCleanup, tempDir } from './temp.js';
import type { TestTown } from './town.js';
import { events, makeTown } from './town.js';

/** The native binary of the pinned @anthropic-ai/claude-code (devDependencies). */
export const CLAUDE_BIN = requireClaude();

function requireClaude(): string {
  const found = findClaudeBinary();
  if (found === undefined)
    throw new Error(
      `Claude Code is not installed (npm ci); looked in ${claudeCandidates().join(', ')}`,
    );
  return found;
}

export const API_KEY = 'sk-test-0123456789abcdefghijklmnopqrstuvwxyz';

export interface ClaudeTown {
  town: TestTown;
  server: ModelServer;
  home: string;
}

/**
 * A town with one crew member, alpha/crew/max, running Claude Code. Its HOME has only finished
 * onboarding (offline, the CLI would otherwise exit on its service check): every dialog is
 * left for gastown-ts to answer.
 */
export async function claudeTown(
  settings: Record<string, unknown> = {},
  env: Record<string, string> = {},
  crew: string[] = ['max'],
): Promise<ClaudeTown> {
  const server = await startModelServer();
  onCleanup(() => server.close());
  const home = join(tempDir('claude-home'), 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
  const claude = {
    command: `${CLAUDE_BIN} --dangerously-skip-permissions`,
    sync: false,
    env: { HOME: home, ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: API_KEY, ...env },
  };
  const town = await makeTown({
    crew,
    settings: {
      daemon: { heartbeat: '30s' },
      lifecycle: { retry_backoff: '50ms' },
      ...settings,
      agents: withCrew(claude, settings.agents),
    },
  });
  // Claude Code writes into its HOME until it has exited: end it (and wait) before the
  // folders go.
  onCleanup(async () => {
    const host = new TmuxHost({ socket: town.socket, stopGraceMs: 3000 });
    for (const session of await host.list().catch(() => [])) await host.stop(session.name);
  });
  return { town, server, home };
}

/** The town's agents settings with the crew's own keys over the Claude Code crew's. */
function withCrew(crew: Record<string, unknown>, agents: unknown): Record<string, unknown> {
  const given = (agents ?? {}) as Record<string, unknown>;
  return { ...given, crew: { ...crew, ...(given.crew as Record<string, unknown> | undefined) } };
}

/** How many times `marker` reached the model in main requests. */
export function timesSeen(server: ModelServer, marker: string): number {
  return server.requests
    .filter((r) => r.main)
    .reduce((n, r) => n + r.text.split(marker).length - 1, 0);
}

/** The dialogs answered for `address`: on its screen, or ahead in its config (`outcome`). */
export async function dialogsAnswered(
  town: TestTown,
  address: string,
  outcome: 'answered' | 'ahead' | 'skipped' = 'answered',
): Promise<string[]> {
  return (await events(town))
    .filter(
      (e) => e.kind === 'agent.dialog-answered' && e.identity === address && e.outcome === outcome,
    )
    .map((e) => e.reason ?? '');
}

/** One agent as `gt status --json` shows it: the fields the real-agent tests read. */
export interface StatusAgent {
  address: string;
  state: string;
  activity: string | null;
  kind: string | null;
  until: string | null;
  kind_detail: string | null;
  pid: number | null;
  running: boolean;
  session_mode: string | null;
  conversation_id: string | null;
}

export async function statusOf(town: TestTown, address: string): Promise<StatusAgent | undefined> {
  const status = JSON.parse(await town.gtOk(['status', '--json'])) as { agents: StatusAgent[] };
  return status.agents.find((a) => a.address === address);
}
