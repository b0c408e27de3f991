// A stand-in for a town's daemon socket (an older daemon, one that never answers, one that
// answers what a test says), and the activity `gt status` shows, read by gt itself.
import { mkdirSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { onCleanup } from './temp.js';
import type { TestTown } from './town.js';

/** Listens on the town's daemon socket, treating each connection with `onConnection`. */
export async function standIn(town: TestTown, onConnection: (s: Socket) => void): Promise<Server> {
  mkdirSync(join(town.root, 'daemon'), { recursive: true });
  // A client that gives up (or closes first) may reset the connection: not a test's concern.
  const server = createServer((s) => {
    s.on('error', () => undefined);
    onConnection(s);
  });
  await new Promise<void>((done) => server.listen(join(town.root, 'daemon', 'daemon.sock'), done));
  onCleanup(() => new Promise((done) => server.close(done)));
  return server;
}

/** A stand-in that reads every request and never answers one. */
export async function silentStandIn(town: TestTown): Promise<Server> {
  const held: Socket[] = [];
  onCleanup(() => held.forEach((s) => s.destroy()));
  return standIn(town, (s) => {
    held.push(s);
    s.resume();
  });
}

/** [activity, detail] of an agent as `gt status` shows it, read by gt itself (not a stand-in). */
export async function activityOf(town: TestTown, address: string): Promise<unknown[]> {
  const full = { env: { GT_HOOK_VIA_DAEMON: 'off' } };
  const status = JSON.parse(await town.gtOk(['status', '--json'], full)) as {
    agents: Array<{ address: string; activity: string; activity_detail: string | null }>;
  };
  const agent = status.agents.find((a) => a.address === address);
  return [agent?.activity, agent?.activity_detail];
}
