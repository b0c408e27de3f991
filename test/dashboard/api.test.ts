// The dashboard's API against a real town: real `gt dashboard`, tmux on a private socket, the
// SQLite store, the daemon where a test needs one.
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { townPaths } from '../../src/town/layout.js';
import { onCleanup, waitFor } from '../helpers/temp.js';
import { agentEnv, events, makeTown, runDaemon, starts } from '../helpers/town.js';
import { openEvents, startDashboard, storeEvents } from './dashboard.js';

const MAX = 'alpha/crew/max';
const MAX_SESSION = 'gt-alpha-crew-max';

/** Drops what changes by the second, so two reads a moment apart compare equal. */
function steady(status: unknown): unknown {
  return JSON.parse(
    JSON.stringify(status, (k, v: unknown) =>
      ['uptime_seconds', 'last_heartbeat', 'heartbeat_count'].includes(k) ? null : v,
    ),
  );
}

/** The request options that present the town's key, as the page's cookie or a script would. */
const keyed = (dash: { token: string }): RequestInit => ({ headers: { 'x-gt-token': dash.token } });

describe('gt dashboard API', () => {
  it('nothing of the town is read without the key: only the page and /metrics are open', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    const dash = await startDashboard(town.env);
    for (const path of [
      '/api/status',
      '/api/events',
      `/api/agents/${encodeURIComponent(MAX)}?screen=5`,
    ])
      expect((await fetch(`${dash.base}${path}`)).status).toBe(403);
    const cookieOfKey = { headers: { cookie: `gt_dashboard=${dash.token}` } };
    expect((await fetch(`${dash.base}/api/status`, cookieOfKey)).status).toBe(403);
    expect((await fetch(`${dash.base}/`)).status).toBe(200);
    expect((await fetch(`${dash.base}/metrics`)).status).toBe(200);
  });

  it('GET /api/status is gt status --json; GET /api/agents/:address gives one agent and its screen', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('max to start', () => starts(town, MAX).length === 1);
    const dash = await startDashboard(town.env);
    const res = await fetch(`${dash.base}/api/status`, keyed(dash));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const cli = JSON.parse(await town.gtOk(['status', '--json'])) as unknown;
    expect(steady(await res.json())).toEqual(steady(cli));

    const detail = (await (
      await fetch(`${dash.base}/api/agents/${encodeURIComponent(MAX)}?screen=5`, keyed(dash))
    ).json()) as { agent: { address: string; state: string }; screen: string[]; events: unknown[] };
    expect(detail.agent).toMatchObject({ address: MAX, state: 'alive' });
    expect(Array.isArray(detail.screen)).toBe(true);
    // The dash form and the raw slashes name the same agent.
    const dashForm = await fetch(`${dash.base}/api/agents/alpha-crew-max`, keyed(dash));
    expect(((await dashForm.json()) as { agent: { address: string } }).agent.address).toBe(MAX);
    expect((await fetch(`${dash.base}/api/agents/alpha/crew/max`, keyed(dash))).status).toBe(200);
  });

  it('SSE carries a handoff’s event within 1 s and resumes from Last-Event-ID without loss', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await runDaemon(town);
    const dash = await startDashboard(town.env);
    const stream = await openEvents(dash.base, { 'x-gt-token': dash.token });
    expect(stream.status).toBe(200);
    await waitFor('the first status', () => stream.messages.some((m) => m.event === 'status'));
    await town.gtOk(['handoff', '--no-daemon', '--wait', '-m', 'context full'], {
      env: agentEnv(town, MAX, MAX_SESSION),
    });
    const doneAt = Date.now();
    const seen = await waitFor('request.done on the stream', () =>
      stream.messages.find((m) => m.event === 'message' && m.data.includes('"request.done"')),
    );
    expect(seen.at - doneAt).toBeLessThan(1000);
    expect(seen.id).toMatch(/^\d+$/);
    stream.close();

    // Events recorded while no one listens come on resume, each once, in order.
    const lastId = Number(seen.id);
    for (const text of ['one', 'two', 'three'])
      await town.gtOk(['nudge', MAX, text, '--no-daemon']);
    const resumed = await openEvents(dash.base, {
      'x-gt-token': dash.token,
      'last-event-id': String(lastId),
    });
    const all = (await events(town)).length;
    const expected = (
      JSON.parse(await town.gtOk(['events', '--json', '--limit', String(all)])) as Array<{
        seq: number;
      }>
    )
      .map((e) => e.seq)
      .filter((seq) => seq > lastId);
    await waitFor('the missed events', () => storeEvents(resumed).length >= expected.length);
    expect(storeEvents(resumed).map((e) => e.seq)).toEqual(expected);
    expect(storeEvents(resumed).filter((e) => e.kind === 'nudge.queued')).toHaveLength(3);
  });

  it('a status event follows a change of the town within a second', async () => {
    const town = await makeTown();
    const dash = await startDashboard(town.env);
    const stream = await openEvents(dash.base, { 'x-gt-token': dash.token });
    await waitFor('the first status', () => stream.messages.some((m) => m.event === 'status'));
    const before = stream.messages.filter((m) => m.event === 'status').length;
    const startedAt = Date.now();
    await town.gtOk(['session', 'start', MAX]);
    const changed = await waitFor('a status with max alive', () =>
      stream.messages
        .slice(before)
        .find(
          (m) =>
            m.event === 'status' &&
            (
              JSON.parse(m.data) as { agents: Array<{ address: string; state: string }> }
            ).agents.some((a) => a.address === MAX && a.state === 'alive'),
        ),
    );
    expect(changed.at - startedAt).toBeLessThan(1500);
  });

  it('/metrics is Prometheus text with the town’s figures', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    const dash = await startDashboard(town.env);
    await fetch(`${dash.base}/api/status`, keyed(dash));
    const res = await fetch(`${dash.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const samples = parsePrometheus(text);
    const agents = (liveness: string): number =>
      [...samples]
        .filter(([k]) => k.startsWith(`gt_agents{liveness="${liveness}"`))
        .reduce((n, [, v]) => n + v, 0);
    expect(agents('alive')).toBe(1);
    expect(agents('dead')).toBe(4);
    expect(samples.get(`gt_agent_restarts{address="${MAX}"}`)).toBe(0);
    expect(samples.get('gt_requests{status="open"}')).toBe(0);
    expect(samples.get('gt_daemon_up')).toBe(0);
    expect(samples.get('gt_store_bytes{backend="sqlite"}')).toBeGreaterThan(0);
    for (const name of [
      'gt_request_duration_seconds_count',
      'gt_nudge_delivery_seconds_count',
      'gt_nudge_failures_total',
    ])
      expect(samples.has(name), name).toBe(true);
  });
});

describe('what agents spend, on the dashboard', () => {
  it('/metrics counts tokens by kind and dollars per agent; /api/status says what each spent today', async () => {
    const town = await makeTown({ settings: { prices: { 'my-model': { input: 2, output: 10 } } } });
    const store = SqliteStore.open(townPaths(town.root).storeFile);
    onCleanup(() => store.close());
    const record = (key: string, model: string, input: number, output: number) =>
      store.recordUsage(
        {
          path: 'x.jsonl',
          identity: MAX,
          runtime: 'claude',
          conversationId: null,
          readTo: 1,
          state: null,
          updatedAt: 1,
        },
        [
          {
            key,
            identity: MAX,
            at: Date.now(),
            runtime: 'claude',
            model,
            conversationId: null,
            tokens: { input, output, cacheRead: 7, cacheWrite: 0 },
          },
        ],
      );
    await record('a', 'my-model', 1_000_000, 100_000);
    await record('b', 'nobody-priced-me', 50, 5);
    const dash = await startDashboard(town.env);
    // Only the spend series: the process's own gauges may read NaN before their first sample.
    const scrape = async () =>
      parsePrometheus(
        (await (await fetch(`${dash.base}/metrics`)).text())
          .split('\n')
          .filter((l) => l.includes('gt_agent_'))
          .join('\n'),
      );
    const first = await scrape();
    expect(first.get(`gt_agent_tokens_total{address="${MAX}",kind="input"}`)).toBe(1_000_050);
    expect(first.get(`gt_agent_tokens_total{address="${MAX}",kind="output"}`)).toBe(100_005);
    expect(first.get(`gt_agent_tokens_total{address="${MAX}",kind="cache_read"}`)).toBe(14);
    expect(first.get(`gt_agent_cost_dollars_total{address="${MAX}"}`)).toBeCloseTo(
      2 + 1 + 7 * 2e-6,
      9,
    );
    await record('c', 'my-model', 500_000, 0);
    await record('a', 'my-model', 1_000_000, 100_000); // read again: counted once
    const second = await scrape();
    expect(second.get(`gt_agent_tokens_total{address="${MAX}",kind="input"}`)).toBe(1_500_050);
    expect(second.get(`gt_agent_cost_dollars_total{address="${MAX}"}`)).toBeCloseTo(
      4 + 14 * 2e-6,
      9,
    );
    // The status is read again once its refresh interval has gone by.
    const want = { tokens: 1_600_076, dollars: 4 + 14 * 2e-6, complete: false };
    type Spent = { address: string; spent_today: typeof want | null };
    const status = await waitFor('the spend in the status', async () => {
      const got = (await (await fetch(`${dash.base}/api/status`, keyed(dash))).json()) as {
        agents: Spent[];
      };
      return got.agents.find((a) => a.address === MAX)?.spent_today?.tokens === want.tokens
        ? got
        : undefined;
    });
    expect(status.agents.find((a) => a.address === MAX)?.spent_today).toEqual(want);
    expect(status.agents.find((a) => a.address === 'mayor')?.spent_today).toBeNull();
  });
});

describe('gt dashboard flags', () => {
  it('refuses a bad port, a host name to look up, and a port already taken', async () => {
    const town = await makeTown();
    for (const [args, message] of [
      [['--port', '99999'], /is not a port/],
      [['--port', '-1'], /is not a port|unknown option/],
      [['--host', 'evil.example'], /is not an IP address/],
      [['--refresh', '5'], /at least 100 ms/],
    ] as const) {
      const r = await town.gt(['dashboard', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const dash = await startDashboard(town.env);
    const taken = await town.gt(['dashboard', '--port', String(dash.port)]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/cannot listen on 127\.0\.0\.1/);
  });
});

/** Every line of the text exposition format, checked; the samples by name{labels}. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const labels = `\\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*",?)*\\}`;
  const sample = new RegExp(`^(${name})(${labels})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?\\d+)?$`);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(
      line,
    );
    if (type) {
      typed.add(type[1] ?? '');
      continue;
    }
    if (new RegExp(`^# HELP ${name} .*$`).test(line)) continue;
    const m = sample.exec(line);
    if (m === null) throw new Error(`not Prometheus text: ${line}`);
    const base = (m[1] ?? '').replace(/_(bucket|sum|count)$/, '');
    if (!typed.has(m[1] ?? '') && !typed.has(base)) throw new Error(`no TYPE before ${line}`);
    samples.set(`${m[1] ?? ''}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}
