// gt session start with no daemon running: the real Claude Code is brought past its dialogs
// (answered ahead in its config; a daemon is started to answer any left on screen) and --wait
// returns once it is ready; an agent stuck on a question gastown-ts does not answer makes
// --wait fail with why.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeTown, dialogsAnswered } from '../helpers/claude.js';
import { tempDir } from '../helpers/temp.js';
import { makeTown } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

describe('gt session start with no daemon running', () => {
  it('brings a real Claude Code to ready: its dialogs answered ahead, a daemon started', async () => {
    const { town } = await claudeTown();
    const out = await town.gt(['session', 'start', MAX, '--wait', '--timeout', '60s', '--json'], {
      timeoutMs: 70_000,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ identity: MAX, activity: 'ready' });
    // Its two dialogs are answered in its config before it starts (agents.<role>.dialogs: ahead).
    expect(await dialogsAnswered(town, MAX, 'ahead')).toEqual(['trust', 'api-key']);
    const daemon = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as {
      running: boolean;
    };
    expect(daemon.running).toBe(true);
  }, 90_000);

  it('--wait fails with the reason when the agent waits on a question nobody may answer', async () => {
    const dir = tempDir('question');
    const script = join(dir, 'question.sh');
    writeFileSync(
      script,
      '#!/bin/sh\nprintf "\\n  Shall we reformat the disk?\\n\\n  ❯ No\\n    Yes\\n\\n  Enter to confirm · Esc to cancel\\n"\nexec sleep 600\n',
      { mode: 0o755 },
    );
    const town = await makeTown({
      settings: { agents: { crew: { runtime: 'claude', command: script, sync: false } } },
    });
    const out = await town.gt(['session', 'start', MAX, '--wait', '--timeout', '30s']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /alpha\/crew\/max is blocked, not ready: .*Shall we reformat the disk\?/,
    );
    const plain = await town.gt(['session', 'restart', MAX, '--no-daemon', '--json']);
    expect(plain.code, plain.stderr).toBe(0);
  }, 60_000);
});
