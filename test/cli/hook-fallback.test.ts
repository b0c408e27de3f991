// An agent's report hook hands its work to the daemon over the town's socket; whenever no
// daemon answers as this gt expects, gt does the work itself, with the input it already read.
import { describe, expect, it } from 'vitest';
import { activityOf, silentStandIn, standIn } from '../helpers/stand-in.js';
import type { TestTown } from '../helpers/town.js';
import { agentEnv, makeTown, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';
const QUESTION = JSON.stringify({
  notification_type: 'permission_prompt',
  message: 'Claude needs your permission',
});

const maxActivity = (town: TestTown): Promise<unknown[]> => activityOf(town, MAX);

async function notify(town: TestTown): Promise<{ code: number | null; stderr: string }> {
  const env = { ...agentEnv(town, MAX, 'gt-alpha-crew-max'), GT_DEBUG_HOOK: '1' };
  return town.gt(['agent', 'report', 'notification'], { env, input: QUESTION });
}

describe('a report hook no daemon answers', () => {
  it('a socket closed at once (a daemon older than this gt, a stand-in here): gt does the work, with the input', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    let connections = 0;
    await standIn(town, (s) => {
      connections++;
      s.resume();
      s.end();
    });
    const r = await notify(town);
    expect([r.code, r.stderr]).toEqual([0, 'gt: answered by gt itself\n']);
    expect(connections).toBeGreaterThan(0);
    expect(await maxActivity(town)).toEqual(['blocked', 'Claude needs your permission']);
  });

  it('a daemon that takes no answer in time (a stand-in that never answers): gt does the work after 5 s', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await silentStandIn(town);
    const started = Date.now();
    const r = await notify(town);
    expect([r.code, r.stderr]).toEqual([0, 'gt: answered by gt itself\n']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
    expect(await maxActivity(town)).toEqual(['blocked', 'Claude needs your permission']);
  });

  it('the daemon hands back what it will not answer (an identity it cannot read): gt says what is wrong', async () => {
    const town = await makeTown();
    await runDaemon(town);
    const r = await town.gt(['agent', 'report', 'prompt', '--inject-mail'], {
      env: { GT_ROLE: 'alpha/../../etc', GT_DEBUG_HOOK: '1' },
      input: '{}',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^gt: answered by gt itself\ngt: agent report prompt: .*address/);
    expect(r.stdout).toBe('');
  });
});
