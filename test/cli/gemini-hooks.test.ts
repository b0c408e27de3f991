// What Gemini CLI's hooks run, given the JSON Gemini CLI 0.61.0 sends them (recorded): context
// for the model answered as the JSON it reads (plain text would only be shown to the person),
// and its prompt and notification events understood by gt agent report.
import { describe, expect, it } from 'vitest';
import { agentEnv, makeTown } from '../helpers/town.js';

const MAX = 'alpha/crew/max';
const SESSION = 'gt-alpha-crew-max';

/** The fields every Gemini CLI hook gets, then the event's own. */
function geminiInput(event: string, own: Record<string, unknown>): string {
  return JSON.stringify({
    session_id: '9db3cd95-4bab-4663-8bcd-6fa2a99957f5',
    transcript_path: '/home/dev/.gemini/tmp/max/chats/session-9db3cd95.jsonl',
    cwd: '/home/dev/town/alpha/crew/max',
    hook_event_name: event,
    timestamp: '2026-12-06T07:58:55.404Z',
    ...own,
  });
}

interface HookAnswer {
  hookSpecificOutput: { additionalContext: string };
}

async function activity(town: Awaited<ReturnType<typeof makeTown>>): Promise<unknown> {
  const status = JSON.parse(await town.gtOk(['status', '--json'])) as {
    agents: Array<{ address: string; activity: string; activity_detail: string | null }>;
  };
  const a = status.agents.find((x) => x.address === MAX);
  return { activity: a?.activity, detail: a?.activity_detail };
}

describe('Gemini CLI hooks', () => {
  it('gt prime and gt mail check answer as Gemini CLI reads context; nothing when there is none', async () => {
    const town = await makeTown({ settings: { lifecycle: { require_verified_sender: false } } });
    const env = { GT_ROLE: MAX };
    const start = geminiInput('SessionStart', { source: 'startup' });
    const primed = await town.gtOk(['prime', '--hook', '--hook-format', 'gemini'], {
      env,
      input: start,
    });
    const context = (JSON.parse(primed) as HookAnswer).hookSpecificOutput.additionalContext;
    expect(context).toMatch(/^# Gas Town: you are alpha\/crew\/max\n/);
    const before = geminiInput('BeforeAgent', { prompt: 'hello' });
    const inject = ['mail', 'check', '--inject', '--hook-format', 'gemini'];
    expect(await town.gtOk(inject, { env, input: before })).toBe('');
    await town.gtOk([
      'mail',
      'send',
      MAX,
      '-s',
      'look at issue 7',
      '-m',
      'soon',
      '--from',
      'mayor',
    ]);
    const mail = (JSON.parse(await town.gtOk(inject, { env, input: before })) as HookAnswer)
      .hookSpecificOutput.additionalContext;
    expect(mail).toContain('look at issue 7');
    // Without the format, as Claude Code and Codex read it: the plain text.
    expect(await town.gtOk(['mail', 'check', '--inject'], { env })).toContain('<system-reminder>');
  });

  it('gt agent report reads BeforeAgent, AfterAgent and a tool-permission Notification', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    const env = agentEnv(town, MAX, SESSION);
    const report = (event: string, input: string): Promise<string> =>
      town.gtOk(['agent', 'report', event, '--hook-format', 'gemini'], { env, input });
    expect(await report('prompt', geminiInput('BeforeAgent', { prompt: 'hi' }))).toBe('');
    expect(await activity(town)).toEqual({ activity: 'busy', detail: null });
    const ask = geminiInput('Notification', {
      notification_type: 'ToolPermission',
      message: 'Allow execution of rm?',
      details: { tool: 'run_shell_command' },
    });
    await report('notification', ask);
    expect(await activity(town)).toEqual({ activity: 'blocked', detail: 'Allow execution of rm?' });
    const after = { prompt: 'hi', prompt_response: 'done', stop_hook_active: false };
    await report('stop', geminiInput('AfterAgent', after));
    expect(await activity(town)).toEqual({ activity: 'ready', detail: null });
  });
});
