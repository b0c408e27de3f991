// `gt nudge <address> <text…>` handed to the daemon by the launcher: the same prompt queued and
// the same line printed as the full command; whatever the command would refuse, it says itself.
import { describe, expect, it } from 'vitest';
import { makeTown, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';
const DEBUG = { GT_DEBUG_HOOK: '1' };

interface NudgeJson {
  id: string;
  to: string;
  from: string;
  text: string;
  status: string;
}

describe('gt nudge answered by the daemon', () => {
  it('queues what the full command would, from whom the session says, and prints the same', async () => {
    const town = await makeTown();
    await runDaemon(town);
    const fast = await town.gt(['nudge', MAX, 'look', 'at', 'issue', '7'], { env: DEBUG });
    expect(fast.stderr).toBe('gt: answered by the daemon\n');
    expect(fast.stdout).toMatch(/^queued gn-\S+ for alpha\/crew\/max\n$/);
    const full = await town.gt(['nudge', MAX, 'look', 'again'], {
      env: { ...DEBUG, GT_HOOK_VIA_DAEMON: 'off' },
    });
    expect(full.stderr).toBe('');
    expect(full.stdout).toMatch(/^queued gn-\S+ for alpha\/crew\/max\n$/);
    const json = await town.gt(['nudge', 'mayor', 'hello', '--json'], {
      env: { ...DEBUG, GT_ROLE: MAX },
    });
    expect(json.stderr).toBe('gt: answered by the daemon\n');
    expect(JSON.parse(json.stdout)).toMatchObject({
      to: 'mayor',
      from: MAX,
      text: 'hello',
      status: 'queued',
    });
    const all = JSON.parse(await town.gtOk(['nudge', '--list', '--all', '--json'])) as NudgeJson[];
    expect(all.map((n) => [n.to, n.from, n.text])).toEqual([
      [MAX, 'mayor', 'look at issue 7'],
      [MAX, 'mayor', 'look again'],
      ['mayor', MAX, 'hello'],
    ]);
  });

  it('what the command refuses, or a form it alone reads, is gt’s own to say', async () => {
    const town = await makeTown();
    await runDaemon(town);
    for (const [args, message] of [
      [['nudge', 'alpha/crew/nobody', 'x'], /no crew member nobody/],
      [['nudge', '../etc', 'x'], /address/],
      [['nudge', MAX, ' '], /the prompt is empty/],
    ] as const) {
      const r = await town.gt(args, { env: DEBUG });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^gt: answered by gt itself\ngt: /);
      expect(r.stderr).toMatch(message);
    }
    // A flag other than --json is read by the command line: no request to the daemon.
    const flagged = await town.gt(['nudge', MAX, 'x', '--from', 'mayor'], { env: DEBUG });
    expect([flagged.code, flagged.stderr]).toEqual([0, '']);
    expect(JSON.parse(await town.gtOk(['nudge', '--list', '--json']))).toHaveLength(1);
  });
});
