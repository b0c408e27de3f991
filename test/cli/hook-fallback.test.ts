// An agent's report hook hands its work to the daemon over the town's socket; whenever no
// daemon answers as this gt expects, gt does the work itself, with the input it already read.
import { mkdirSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { agentEnv, makeTown, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';
const QUESTION = JSON.stringify({
  notification_type: 'permission_prompt',
  message: 'Claude needs your permission',
});

/** A stand-in for the daemon's socket that treats each connection with `onConnection`. */
async function standIn(town: TestTown, onConnection: (s: Socket) => void): Promise<Server> {
  mkdirSync(join(town.root, 'daemon'), { recursive: true });
  const server = createServer(onConnection);
  await new Promise<void>((resolve) =>
    server.listen(join(town.root, 'daemon', 'daemon.sock'), resolve),
  );
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return server;
}

async function maxActivity(town: TestTown): Promise<unknown> {
  // Read by gt itself: a stand-in daemon may be the one that never answers.
  const full = { env: { GT_HOOK_VIA_DAEMON: 'off' } };
  const status = JSON.parse(await town.gtOk(['status', '--json'], full)) as {
    agents: Array<{ address: string; activity: string; activity_detail: string | null }>;
  };
  const max = status.agents.find((a) => a.address === MAX);
  return [max?.activity, max?.activity_detail];
}

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
    const held: Socket[] = [];
    await standIn(town, (s) => {
      held.push(s);
      s.resume();
    });
    onCleanup(() => held.forEach((s) => s.destroy()));
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
