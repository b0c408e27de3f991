// The real Codex CLI (pinned), supervised end to end by the real daemon against the scripted
// model server speaking the Responses API: its dialogs answered, its hooks trusted and
// reporting, prompts delivered once, a handoff by its own shell tool carried to the successor.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  agentOf,
  handsOffByItsShell,
  MAX,
  nudgedOnce,
  startedReady,
} from '../helpers/agent-scenarios.js';
import { dialogsAnswered } from '../helpers/claude.js';
import { codexProcesses, codexTown } from '../helpers/codex.js';
import { waitFor } from '../helpers/temp.js';
import { events, runDaemon } from '../helpers/town.js';

const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return ''; // gone meanwhile
  }
};

describe('real Codex under the daemon', () => {
  it('starts, answers folder trust, trusts only its own hooks, is ready; nothing outlives a stop', async () => {
    const { town, codexHome } = await codexTown();
    const took = await startedReady(town);
    console.log(`codex start → ready: ${took} ms`);
    expect(await dialogsAnswered(town, MAX)).toEqual(['trust']);
    const hooks = JSON.parse(readFileSync(join(codexHome, 'hooks.json'), 'utf8')) as {
      hooks: Record<string, unknown>;
    };
    expect(Object.keys(hooks.hooks).sort()).toEqual(['SessionStart', 'Stop', 'UserPromptSubmit']);
    // Folder trust recorded by Codex itself; no hook trust written into the user's config.
    const config = readFileSync(join(codexHome, 'config.toml'), 'utf8');
    expect(config).toMatch(/trust_level = "trusted"/);
    expect(config).not.toMatch(/hooks\.state/);
    const running = codexProcesses(codexHome);
    expect(running.length).toBeGreaterThan(0);
    // --no-daemon: the TUI is the whole of Codex, no app-server beside it.
    for (const pid of running) expect(cmdline(pid)).not.toMatch(/app-server/);
    await town.gtOk(['session', 'stop', MAX]);
    await waitFor('no Codex process left', () => codexProcesses(codexHome).length === 0, 10_000);
    expect(existsSync(join(codexHome, 'packages'))).toBe(false);
  }, 90_000);

  it('a nudge reaches the model exactly once, acknowledged by the prompt hook; busy then ready', async () => {
    const { town, server } = await codexTown();
    await startedReady(town);
    await nudgedOnce('codex', town, server);
  }, 120_000);

  it('gt handoff -m run by the agent’s own shell tool: cycled, and the successor’s first request has the note', async () => {
    const { town, server } = await codexTown();
    await startedReady(town);
    await handsOffByItsShell(town, server);
  }, 150_000);

  it('a hook of the user’s own that Codex has not seen is left for a person: blocked, the mayor told', async () => {
    const { town, codexHome } = await codexTown();
    const mine = { hooks: { Stop: [{ hooks: [{ type: 'command', command: 'true # mine' }] }] } };
    writeFileSync(join(codexHome, 'hooks.json'), JSON.stringify(mine));
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('blocked', async () => (await agentOf(town))?.activity === 'blocked', 30_000);
    const blocked = (await events(town)).find((e) => e.kind === 'agent.blocked');
    expect(blocked?.reason).toMatch(/hooks review/);
    const mail = JSON.parse(await town.gtOk(['mail', 'inbox', 'mayor', '--json'])) as Array<{
      subject: string;
      body: string;
    }>;
    const told = mail.filter((m) => m.subject.startsWith(`BLOCKED: ${MAX}`));
    expect(told).toHaveLength(1);
    // One hook asks: the user's, not gastown-ts's own four.
    expect(told[0]?.body).toMatch(/\b1 hooks? (is|are) new or changed/);
  }, 60_000);

  it('gt session start --wait with no daemon running brings it to ready', async () => {
    const { town } = await codexTown();
    const out = await town.gt(['session', 'start', MAX, '--wait', '--timeout', '60s', '--json'], {
      timeoutMs: 70_000,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ identity: MAX, activity: 'ready' });
    expect(await dialogsAnswered(town, MAX)).toEqual(['trust']);
  }, 90_000);
});
