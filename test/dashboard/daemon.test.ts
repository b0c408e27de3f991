// The dashboard served by the daemon itself (dashboard.port): the API answers from the daemon's
// process, an action needs the town's key there too, and `gt dashboard` prints that URL instead
// of serving a second one.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadSecret } from '../../src/dashboard/secret.js';
import { waitFor } from '../helpers/temp.js';
import { makeTown, runDaemon } from '../helpers/town.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('the dashboard served by the daemon', () => {
  it('answers the API from the daemon, and gt dashboard prints its URL', async () => {
    const port = await freePort();
    const town = await makeTown({ settings: { dashboard: { port } } });
    await runDaemon(town);
    await town.gtOk(['session', 'start', 'alpha/crew/max']);
    const base = `http://127.0.0.1:${port}`;
    const key = { 'x-gt-token': loadSecret(town.root) };
    const status = await waitFor('the daemon’s dashboard', async () => {
      const res = await fetch(`${base}/api/status`, { headers: key }).catch(() => undefined);
      return res?.ok === true
        ? ((await res.json()) as { agents: Array<{ address: string }> })
        : undefined;
    });
    expect(status.agents.map((a) => a.address)).toContain('alpha/crew/max');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^gt_daemon_heartbeat_duration_seconds\{host="[^"]+"\} \d/m);
    expect(JSON.parse(await town.gtOk(['dashboard', '--json']))).toEqual({
      url: expect.stringMatching(new RegExp(`^${base}/\\?token=`)) as unknown,
      served_by: 'daemon',
    });
    const printed = await town.gtOk(['dashboard']);
    const url = /served by its daemon\) at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+))/.exec(
      printed,
    );
    expect(url?.[2]).toBe(String(port));
    const refused = await fetch(`${base}/api/agents/alpha%2Fcrew%2Fmax/stop`, { method: 'POST' });
    expect(refused.status).toBe(403);
    const stopped = await fetch(`${base}/api/agents/alpha%2Fcrew%2Fmax/stop`, {
      method: 'POST',
      headers: { 'x-gt-token': url?.[3] ?? '', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(stopped.status).toBe(200);
    const after = JSON.parse(await town.gtOk(['status', '--json'])) as {
      agents: Array<{ address: string; wanted: string }>;
    };
    expect(after.agents.find((a) => a.address === 'alpha/crew/max')?.wanted).toBe('stopped');
  });
});
