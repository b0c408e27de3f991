// A daemon that dies inside each window of typing a prompt into a real Claude Code (claimed,
// pasted, seen in the input), and the next daemon: the prompt reaches the model exactly once,
// acknowledged by the prompt hook, never recorded delivered before it has.
import { describe, expect, it } from 'vitest';
import type { CrashStep } from '../../src/agents/context.js';
import { claudeTown } from '../helpers/claude.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

interface NudgeJson {
  id: string;
  status: string;
  ack: string | null;
}

async function nudgeOf(town: TestTown, id: string): Promise<NudgeJson | undefined> {
  const all = JSON.parse(await town.gtOk(['nudge', '--all', '--json'])) as NudgeJson[];
  return all.find((n) => n.id === id);
}

describe('real Claude Code: the daemon killed while typing a prompt', () => {
  it('claimed, pasted or seen: the next daemon delivers it once, acknowledged by the hook', async () => {
    const { town, server } = await claudeTown();
    let daemon = await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    await waitFor(
      'the agent to be ready',
      async () => (await town.gtOk(['status', '--json'])).includes('"activity": "ready"'),
      60_000,
      100,
    );
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    const steps: CrashStep[] = ['nudge-claimed', 'nudge-pasted', 'nudge-seen'];
    for (const step of steps) {
      const marker = `crash-${step}-${Date.now()}`;
      const dying = await runDaemon(town, { GT_TEST_CRASH_AT: step });
      const queued = JSON.parse(
        await town.gtOk(['nudge', MAX, `remember ${marker} SAY:ok`, '--no-daemon', '--json']),
      ) as NudgeJson;
      expect(await dying.exited, step).toBeNull(); // SIGKILLed itself at the step
      // Nothing the dead daemon left may say delivered before the model has it.
      const left = await nudgeOf(town, queued.id);
      expect(left?.status, step).not.toBe('delivered');
      daemon = await runDaemon(town);
      await waitFor(
        `${step}: delivered`,
        async () => (await nudgeOf(town, queued.id))?.status === 'delivered',
        30_000,
      );
      expect(await nudgeOf(town, queued.id), step).toMatchObject({ ack: 'hook' });
      await server.waitForRequest((r) => r.main && r.lastUserText.includes(marker), 30_000);
      await waitFor(
        'the turn to end',
        async () => (await town.gtOk(['status', '--json'])).includes('"activity": "ready"'),
        30_000,
      );
      const seen = server.requests.filter((r) => r.main && r.lastUserText.includes(marker));
      expect(seen, step).toHaveLength(1);
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  }, 150_000);
});
