// The real Claude Code CLI (pinned), supervised end to end by the real daemon against the
// scripted model server: dialogs answered, prompts delivered once, a handoff carried to the
// successor's first request, an unknown dialog left alone.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_KEY, claudeTown, dialogsAnswered, timesSeen } from '../helpers/claude.js';
import { tempDir, waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { events, makeTown, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

interface AgentJson {
  address: string;
  state: string;
  activity: string | null;
  activity_detail: string | null;
}

async function agent(town: TestTown, address = MAX): Promise<AgentJson | undefined> {
  const status = JSON.parse(await town.gtOk(['status', '--json'])) as { agents: AgentJson[] };
  return status.agents.find((a) => a.address === address);
}

async function untilReady(town: TestTown): Promise<void> {
  await waitFor(
    'the agent to be ready',
    async () => (await agent(town))?.activity === 'ready',
    60_000,
    100,
  );
}

describe('real Claude Code under the daemon', () => {
  it('starts, passes its dialogs on its screen by choosing the named options (dialogs: screen), and is ready', async () => {
    const { town, home } = await claudeTown({ agents: { crew: { dialogs: 'screen' } } });
    const config = readFileSync(join(home, '.claude.json'), 'utf8');
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    await untilReady(town);
    // The bypass warning is consented to in the work dir's settings.local.json (the command
    // asked for bypass mode), so only the trust and API-key dialogs are left to answer.
    expect(await dialogsAnswered(town, MAX)).toEqual(['trust', 'api-key']);
    const seen = (await events(town)).filter(
      (e) => e.kind === 'agent.activity' && e.identity === MAX,
    );
    expect(seen.map((e) => e.outcome)).toContain('dialog');
    expect(await dialogsAnswered(town, MAX, 'ahead')).toEqual([]);
    // Claude Code recorded the answers itself; gt wrote nothing ahead of it.
    expect(readFileSync(join(home, '.claude.json'), 'utf8')).not.toBe(config);
  }, 90_000);

  it('a new agent’s dialogs answered ahead in Claude Code’s own config: none on screen, the user’s config kept', async () => {
    const { town, home } = await claudeTown();
    const file = join(home, '.claude.json');
    const mine = {
      hasCompletedOnboarding: true,
      theme: 'light',
      projects: { '/srv/elsewhere': { hasTrustDialogAccepted: true, allowedTools: ['Bash'] } },
      customApiKeyResponses: { approved: ['an-older-key-mark-xx'], rejected: [] },
    };
    writeFileSync(file, JSON.stringify(mine));
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    await untilReady(town);
    expect(await dialogsAnswered(town, MAX, 'ahead')).toEqual(['trust', 'api-key']);
    expect(await dialogsAnswered(town, MAX)).toEqual([]);
    const activities = (await events(town))
      .filter((e) => e.kind === 'agent.activity' && e.identity === MAX)
      .map((e) => e.outcome);
    expect(activities).not.toContain('dialog');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as typeof mine;
    expect(saved.theme).toBe('light');
    expect(saved.projects['/srv/elsewhere']).toEqual(mine.projects['/srv/elsewhere']);
    const trusted = Object.entries(saved.projects)
      .filter(([, p]) => p.hasTrustDialogAccepted)
      .map(([dir]) => dir);
    expect(trusted.some((dir) => dir.endsWith(join('alpha', 'crew', 'max')))).toBe(true);
    expect(saved.customApiKeyResponses.approved).toEqual([
      'an-older-key-mark-xx',
      API_KEY.slice(-20),
    ]);
    // Answered once: a restart finds them answered and writes nothing.
    await town.gtOk(['session', 'restart', MAX]);
    await untilReady(town);
    expect(await dialogsAnswered(town, MAX, 'ahead')).toEqual(['trust', 'api-key']);
    expect(await dialogsAnswered(town, MAX)).toEqual([]);
  }, 120_000);

  it('a nudge reaches the model exactly once, acknowledged by the prompt hook', async () => {
    const { town, server } = await claudeTown();
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    await untilReady(town);
    const marker = `nudge-marker-${Date.now()}`;
    const out = JSON.parse(
      await town.gtOk(
        ['nudge', MAX, `please note ${marker} SAY:noted`, '--wait', '--timeout', '60s', '--json'],
        {
          timeoutMs: 70_000,
        },
      ),
    ) as { status: string; ack: string };
    expect(out).toMatchObject({ status: 'delivered', ack: 'hook' });
    await server.waitForRequest((r) => r.main && r.lastUserText.includes(marker));
    await waitFor('the turn to end', async () => (await agent(town))?.activity === 'ready', 30_000);
    expect(server.requests.filter((r) => r.main && r.lastUserText.includes(marker))).toHaveLength(
      1,
    );
    expect(timesSeen(server, marker)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(await town.gtOk(['nudge', '--list', '--json']))).toEqual([]);
  }, 120_000);

  it('gt handoff -m run by the agent’s own shell tool: cycled, and the successor’s first request has the note', async () => {
    const { town, server } = await claudeTown();
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    await untilReady(town);
    const note = `NOTE-${Date.now()}-carry-on`;
    server.push({ kind: 'bash', command: `gt handoff -s "auth work" -m ${note}` });
    await town.gtOk(['nudge', MAX, 'time to hand off', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    await waitFor(
      'the cycle',
      async () => (await events(town)).some((e) => e.kind === 'request.done'),
      60_000,
    );
    const first = await server.waitForRequest(
      (r) => r.main && r.lastUserText.includes('fresh session of an agent that handed off'),
      60_000,
    );
    expect(first.text).toContain(note);
    expect(first.text).toContain('🤝 HANDOFF: auth work');
  }, 150_000);
});

/** A stand-in that draws a dialog gastown-ts has never seen, and logs every key it gets. */
function unknownDialog(dir: string): string {
  const script = join(dir, 'unknown-dialog.sh');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      'printf "\\n  A brand new question: shall we reformat the disk?\\n\\n  ❯ No\\n    Yes\\n\\n  Enter to confirm · Esc to cancel\\n"',
      `stty raw -echo 2>/dev/null`,
      `while :; do dd bs=1 count=1 2>/dev/null >> "${join(dir, 'keys.log')}"; done`,
    ].join('\n'),
    { mode: 0o755 },
  );
  return script;
}

describe('an unknown dialog', () => {
  it('is blocked: no key reaches it, the mayor has one mail with its screen', async () => {
    const dir = tempDir('unknown');
    writeFileSync(join(dir, 'keys.log'), '');
    const town = await makeTown({
      settings: {
        daemon: { heartbeat: '200ms' },
        agents: { crew: { runtime: 'claude', command: unknownDialog(dir), sync: false } },
      },
    });
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('blocked', async () => (await agent(town))?.activity === 'blocked', 20_000);
    // Every heartbeat has the agents looked at again: after three more, still one mail and
    // still nothing pressed.
    const beats = async (): Promise<number> =>
      (JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as { heartbeat_count: number })
        .heartbeat_count;
    const before = await beats();
    await waitFor('three more heartbeats', async () => (await beats()) >= before + 3, 10_000);
    const mail = JSON.parse(await town.gtOk(['mail', 'inbox', 'mayor', '--json'])) as Array<{
      subject: string;
      body: string;
    }>;
    const blocked = mail.filter((m) => m.subject.startsWith(`BLOCKED: ${MAX}`));
    expect(blocked).toHaveLength(1);
    expect(blocked[0]?.body).toContain('A brand new question');
    expect(readFileSync(join(dir, 'keys.log'), 'utf8')).toBe('');
    const event = (await events(town)).find((e) => e.kind === 'agent.blocked');
    expect(event?.reason).toMatch(/shall we reformat the disk\?/);
  }, 60_000);
});
