// gt daemon start/stop/status/logs and gt events as a user meets them.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GT_BIN } from '../helpers/cli.js';
import { onCleanup, waitFor } from '../helpers/temp.js';
import { makeTown, runDaemon, starts } from '../helpers/town.js';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

interface Status {
  running: boolean;
  pid: number | null;
  uptime_seconds: number | null;
  last_heartbeat: string | null;
  heartbeat_count: number | null;
}

describe('gt daemon start / status / logs / stop', () => {
  it('runs in the background, reports itself, and stops without touching the agents', async () => {
    const town = await makeTown({ settings: { daemon: { heartbeat: '100ms' } } });
    await town.gtOk(['session', 'start', 'alpha/crew/max']);
    expect(JSON.parse(await town.gtOk(['daemon', 'status', '--json']))).toMatchObject({
      running: false,
      pid: null,
    });
    expect(await town.gtOk(['daemon', 'status'])).toMatch(/daemon: not running/);

    const started = JSON.parse(await town.gtOk(['daemon', 'start', '--json'])) as {
      pid: number;
      already_running: boolean;
    };
    onCleanup(() => {
      try {
        process.kill(started.pid, 'SIGKILL');
      } catch {
        // already stopped by the test
      }
    });
    expect(started.already_running).toBe(false);
    const again = JSON.parse(await town.gtOk(['daemon', 'start', '--json'])) as {
      pid: number;
      already_running: boolean;
    };
    expect(again).toEqual({ pid: started.pid, already_running: true });

    const status = await waitFor('a heartbeat', async () => {
      const s = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as Status;
      return (s.heartbeat_count ?? 0) >= 2 ? s : undefined;
    });
    expect(status).toMatchObject({ running: true, pid: started.pid });
    expect(Date.parse(status.last_heartbeat ?? '')).not.toBeNaN();

    const logs = await town.gtOk(['daemon', 'logs', '-n', '5']);
    expect(logs).toMatch(/daemon running/);
    const raw = (await town.gtOk(['daemon', 'logs', '-n', '1', '--json'])).trim();
    expect(JSON.parse(raw)).toHaveProperty('level');

    expect(await town.gtOk(['daemon', 'stop'])).toMatch(
      new RegExp(`daemon stopped \\(pid ${started.pid}\\); agents keep running`),
    );
    expect(JSON.parse(await town.gtOk(['daemon', 'status', '--json']))).toMatchObject({
      running: false,
    });
    expect(await town.gtOk(['daemon', 'stop'])).toMatch(/no daemon is running/);
    const list = JSON.parse(await town.gtOk(['session', 'list', '--json'])) as Array<{
      identity: string;
      state: string;
    }>;
    expect(list).toEqual([expect.objectContaining({ identity: 'alpha/crew/max', state: 'alive' })]);
    expect(starts(town, 'alpha/crew/max')).toHaveLength(1);
  });

  it('clear-backoff and logs refuse bad input', async () => {
    const town = await makeTown();
    const bad = await town.gt(['daemon', 'clear-backoff', '../x']);
    expect(bad.code).toBe(2);
    expect((await town.gt(['daemon', 'logs', '-n', 'many'])).code).toBe(2);
    expect(await town.gtOk(['daemon', 'logs'])).toMatch(/no daemon log yet/);
  });
});

describe('gt events', () => {
  it('lists events oldest first, filters by --since and --limit, and refuses a bad time', async () => {
    const town = await makeTown();
    await town.gtOk(['mail', 'send', 'deacon', '-s', 'hello']);
    await town.gtOk(['mail', 'send', 'deacon', '-s', 'LIFECYCLE: x', '-m', 'explode']);
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    const all = JSON.parse(await town.gtOk(['events', '--json'])) as Array<{
      kind: string;
      time: string;
    }>;
    expect(all.map((e) => e.kind)).toEqual(['mail.ignored', 'request.rejected']);
    expect(JSON.parse(await town.gtOk(['events', '--json', '--limit', '1']))).toHaveLength(1);
    expect(JSON.parse(await town.gtOk(['events', '--json', '--since', '1h']))).toHaveLength(2);
    expect(
      JSON.parse(await town.gtOk(['events', '--json', '--since', '2999-01-01T00:00:00Z'])),
    ).toEqual([]);
    expect(await town.gtOk(['events'])).toMatch(/request\.rejected\s+mayor/);
    const bad = await town.gt(['events', '--since', 'yesterday-ish']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since "yesterday-ish" is neither a duration/);
    const mine = JSON.parse(await town.gtOk(['events', '--json', '--agent', 'mayor'])) as unknown[];
    const mayors = all.filter((e) => (e as { identity?: string }).identity === 'mayor');
    expect(mayors.length).toBeGreaterThan(0);
    expect(mine).toHaveLength(mayors.length);
    expect(JSON.parse(await town.gtOk(['events', '--json', '--agent', 'alpha/crew/max']))).toEqual(
      [],
    );
    const hostile = await town.gt(['events', '--agent', '../etc']);
    expect(hostile.code).toBe(2);
  });

  it('gt daemon rotate-logs starts a new daemon.log; gt daemon logs reads the new one', async () => {
    const town = await makeTown();
    const none = JSON.parse(await town.gtOk(['daemon', 'rotate-logs', '--json'])) as {
      rotated: boolean;
    };
    expect(none.rotated).toBe(false);
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    const log = join(town.root, 'daemon', 'daemon.log');
    const before = readFileSync(log, 'utf8');
    expect(await town.gtOk(['daemon', 'rotate-logs'])).toMatch(/^rotated .*daemon\.log to /);
    expect(readFileSync(`${log}.1`, 'utf8')).toBe(before);
    expect(existsSync(log)).toBe(false);
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    expect(readFileSync(log, 'utf8').length).toBeGreaterThan(0);
  });

  it('the daemon purges events older than events.max_age', async () => {
    const town = await makeTown({ settings: { events: { max_age: '1ms' } } });
    await town.gtOk(['mail', 'send', 'deacon', '-s', 'hello']);
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    const kinds = async (): Promise<string[]> =>
      (JSON.parse(await town.gtOk(['events', '--json'])) as Array<{ kind: string }>).map(
        (e) => e.kind,
      );
    expect(await kinds()).not.toContain('mail.ignored');
  });
});

describe('gt daemon run in the foreground', () => {
  it('gt daemon run | head: a reader that goes away ends the daemon quietly, exit 0', async () => {
    const town = await makeTown();
    const child = spawn(process.execPath, [GT_BIN, 'daemon', 'run'], {
      env: { ...process.env, ...town.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // The first log line arrives; then the reader is gone, like head after its lines.
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    // Mail for the deacon makes the daemon log again, into the closed pipe.
    await town.gtOk(['mail', 'send', 'deacon/', '-s', 'hello', '-m', 'not a request']);
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('a daemon whose town is removed', () => {
  it('stops by itself at its next heartbeat, exit 0, instead of serving nothing forever', async () => {
    const town = await makeTown({ settings: { daemon: { heartbeat: '100ms' } } });
    const daemon = await runDaemon(town);
    rmSync(join(town.root, 'mayor', 'town.json'));
    expect(await daemon.exited).toBe(0);
    expect(daemon.output()).toMatch(/the town is gone/);
  });
});
