// Notifications through a real daemon to a real receiver on 127.0.0.1: `gt notify test` goes
// through the outbox; a receiver that hangs never holds the heartbeat up; the daemon SIGKILLed
// in the middle of a delivery loses nothing: the next daemon delivers it, the same id (a
// receiver drops what it has seen by X-GT-Notification-Id), and people are told the daemon was
// restarted after a crash.
import { describe, expect, it } from 'vitest';
import { heartbeats } from '../helpers/agent-scenarios.js';
import { waitFor } from '../helpers/temp.js';
import { makeTown, runDaemon } from '../helpers/town.js';
import { startReceiver } from './receiver.js';

interface Row {
  id: string;
  kind: string;
  status: string;
  channel: string;
  attempts: number;
}

describe('notifications through the daemon', () => {
  it('gt notify test --wait delivers; a daemon killed mid-delivery loses none', async () => {
    const receiver = await startReceiver();
    const town = await makeTown({
      settings: {
        daemon: { heartbeat: '200ms', keep_alive: [] },
        notify: { channels: [{ name: 'hook', type: 'webhook', url: receiver.url }], timeout: '1s' },
      },
    });
    const first = await runDaemon(town);
    const sent = JSON.parse(await town.gtOk(['notify', 'test', '--wait', '--json'])) as Row[];
    expect(sent).toEqual([expect.objectContaining({ channel: 'hook', status: 'delivered' })]);
    expect(receiver.received.map((r) => r.id)).toEqual([sent[0]?.id]);
    expect(receiver.received[0]?.body).toMatchObject({ kind: 'test' });

    // The next one hangs at the receiver: the heartbeat goes on; then the daemon is killed.
    receiver.script('hang');
    await town.gtOk(['notify', 'test']);
    await waitFor(
      'the receiver to hold a request',
      () => receiver.received.length === 2,
      10_000,
      20,
    );
    const beats = await heartbeats(town);
    await waitFor(
      'three more heartbeats',
      async () => (await heartbeats(town)) >= beats + 3,
      5_000,
      50,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    await runDaemon(town);
    const all = await waitFor(
      'the cut delivery made by the next daemon',
      async () => {
        const rows = JSON.parse(await town.gtOk(['notify', 'list', '--json'])) as Row[];
        return rows.every((r) => r.status === 'delivered') ? rows : undefined;
      },
      20_000,
      100,
    );
    // The two tests, and the word that the daemon was restarted after a crash.
    expect(all.map((r) => r.kind)).toEqual(['test', 'test', 'daemon_restarted']);
    // Every notification received; the one cut short twice, under the same id.
    const ids = receiver.received.map((r) => r.id);
    expect(new Set(ids)).toEqual(new Set(all.map((r) => r.id)));
    expect(ids.filter((id) => id === all[1]?.id)).toHaveLength(2);
    expect((await town.gt(['notify', 'list', '--failed'])).stdout).toBe('no notifications\n');
  }, 60_000);

  it('gt notify test without channels, or naming none there, says so', async () => {
    const town = await makeTown();
    const none = await town.gt(['notify', 'test']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no notify\.channels/);
  });
});
