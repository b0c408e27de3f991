// The dashboard's actions against a real town: each one refused (403, nothing done) without the
// town's key or from another site, carried out with it and recorded as the dashboard's; and
// hostile input refused with a 4xx that changes nothing.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { events, makeTown, starts } from '../helpers/town.js';
import type { RunningDashboard } from './dashboard.js';
import { startDashboard } from './dashboard.js';
import { LOGIN_TTL_MS, mintLogin, useLogin } from '../../src/dashboard/login.js';
import { cookieToken } from '../../src/dashboard/secret.js';

const MAX = 'alpha/crew/max';

interface Effects {
  nudges: number;
  events: number;
  starts: number;
  alive: boolean;
}

/** What an action could have changed. */
async function effects(town: TestTown): Promise<Effects> {
  const sessions = JSON.parse(await town.gtOk(['session', 'list', '--json'])) as Array<{
    identity: string;
    state: string;
  }>;
  return {
    nudges: (JSON.parse(await town.gtOk(['nudge', '--list', '--json'])) as unknown[]).length,
    events: (await events(town)).length,
    starts: starts(town, MAX).length,
    alive: sessions.some((s) => s.identity === MAX && s.state === 'alive'),
  };
}

function post(
  dash: RunningDashboard,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<Response> {
  return fetch(`${dash.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body ?? '{"text":"hello"}',
  });
}

/** A GET with headers fetch will not send (Host), answered as a Response. */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(new Response(body, { status: res.statusCode ?? 0 })));
    });
    req.on('error', reject);
    req.end();
  });
}

const ACTIONS = ['nudge', 'restart', 'stop', 'clear-backoff'] as const;

describe('dashboard actions', () => {
  it('refuses every action without the key, with a wrong one, or from another origin', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('max to start', () => starts(town, MAX).length === 1);
    const dash = await startDashboard(town.env);
    const before = await effects(town);
    const key = { 'x-gt-token': dash.token };
    for (const action of ACTIONS) {
      const path = `/api/agents/${encodeURIComponent(MAX)}/${action}`;
      const refused: Array<Record<string, string>> = [
        {},
        { 'x-gt-token': 'x'.repeat(dash.token.length) },
        { authorization: 'Bearer nope' },
        { cookie: 'gt_dashboard=wrong' },
        { ...key, origin: 'http://evil.example' },
        { ...key, origin: `http://localhost:${dash.port + 1}` },
        { ...key, 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of refused) {
        const res = await post(dash, path, { headers });
        expect(res.status, `${action} ${JSON.stringify(headers)}`).toBe(403);
      }
    }
    expect(await effects(town)).toEqual(before);
  });

  it('carries out each action with the key and records it as the dashboard’s', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('max to start', () => starts(town, MAX).length === 1);
    const dash = await startDashboard(town.env);
    const path = (action: string): string => `/api/agents/${encodeURIComponent(MAX)}/${action}`;
    // The three ways of presenting the key, and the page's own origin.
    const nudged = await post(dash, path('nudge'), {
      headers: { authorization: `Bearer ${dash.token}`, origin: dash.base },
      body: JSON.stringify({ text: 'look at issue 7' }),
    });
    expect(nudged.status).toBe(200);
    expect(await nudged.json()).toMatchObject({ action: 'nudge', outcome: 'queued' });
    const list = JSON.parse(await town.gtOk(['nudge', '--list', '--json'])) as Array<{
      to: string;
      text: string;
    }>;
    expect(list).toMatchObject([{ to: MAX, text: 'look at issue 7' }]);

    const restarted = await post(dash, path('restart'), { headers: { 'x-gt-token': dash.token } });
    expect(await restarted.json()).toMatchObject({ outcome: 'restarted' });
    await waitFor('the restarted agent to start', () => starts(town, MAX).length === 2);

    const cookie = { cookie: `gt_dashboard=${cookieToken(dash.token)}` };
    const stopped = await post(dash, path('stop'), { headers: cookie });
    expect(await stopped.json()).toMatchObject({ outcome: 'stopped' });
    expect((await effects(town)).alive).toBe(false);

    const cleared = await post(dash, path('clear-backoff'), { headers: cookie });
    expect(await cleared.json()).toMatchObject({ outcome: 'cleared' });

    const mine = (await events(town)).filter(
      (e) => (e as { data?: { source?: string } }).data?.source === 'dashboard',
    );
    expect(mine.map((e) => [e.kind, e.identity, e.outcome, e.reason])).toEqual([
      ['nudge.queued', MAX, 'queued', 'dashboard'],
      ['agent.restarted', MAX, 'restarted', 'dashboard'],
      ['agent.stopped', MAX, 'stopped', 'dashboard'],
      ['agent.unparked', MAX, 'cleared', 'dashboard'],
    ]);
  });

  it('visiting with ?token= sets an HttpOnly SameSite=Strict cookie; a wrong token gets 403', async () => {
    const town = await makeTown();
    const dash = await startDashboard(town.env);
    const visit = await fetch(`${dash.base}/?token=${dash.token}`, { redirect: 'manual' });
    expect(visit.status).toBe(303);
    expect(visit.headers.get('location')).toBe('/');
    const cookie = visit.headers.get('set-cookie') ?? '';
    // the cookie is made from the key, never the key (a browser sends it to every local port)
    expect(cookie).toMatch(new RegExp(`^gt_dashboard=${cookieToken(dash.token)};`));
    expect(cookie).not.toContain(dash.token);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect((await fetch(`${dash.base}/?token=wrong`, { redirect: 'manual' })).status).toBe(403);
    const page = await fetch(`${dash.base}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(await page.text()).toContain('data-can-act="no"');
  });

  it('gt dashboard --open’s one-time login: one visit within a minute, never the key', async () => {
    const town = await makeTown();
    const dash = await startDashboard(town.env);
    const code = mintLogin(town.root);
    const visit = await fetch(`${dash.base}/?login=${code}`, { redirect: 'manual' });
    expect(visit.status).toBe(303);
    expect(visit.headers.get('set-cookie')).toMatch(
      new RegExp(`^gt_dashboard=${cookieToken(dash.token)};`),
    );
    expect((await fetch(`${dash.base}/?login=${code}`, { redirect: 'manual' })).status).toBe(403);
    const stale = mintLogin(town.root);
    expect(useLogin(town.root, stale, Date.now() + LOGIN_TTL_MS)).toBe(false);
    expect((await fetch(`${dash.base}/?login=${stale}`, { redirect: 'manual' })).status).toBe(403);
    expect((await fetch(`${dash.base}/?login=../../x`, { redirect: 'manual' })).status).toBe(403);
  });

  it('answers hostile input with a clear 4xx and changes nothing', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('max to start', () => starts(town, MAX).length === 1);
    const dash = await startDashboard(town.env);
    const before = await effects(town);
    const key = { 'x-gt-token': dash.token };
    const nudge = `/api/agents/${encodeURIComponent(MAX)}/nudge`;
    const cases: Array<[string, Promise<Response>, number]> = [
      [
        'unknown crew',
        post(dash, '/api/agents/alpha%2Fcrew%2Fnobody/nudge', { headers: key }),
        404,
      ],
      ['unknown rig', post(dash, '/api/agents/beta%2Fwitness/restart', { headers: key }), 404],
      ['dot-dot', post(dash, '/api/agents/..%2F..%2Fetc/stop', { headers: key }), 400],
      [
        'shell text',
        post(dash, '/api/agents/alpha%2Fcrew%2Fmax%3Brm%20-rf/stop', { headers: key }),
        400,
      ],
      ['NUL', post(dash, '/api/agents/alpha%2Fcrew%2Fmax%00/stop', { headers: key }), 400],
      ['newline', post(dash, '/api/agents/mayor%0A/stop', { headers: key }), 400],
      ['bad escape', post(dash, '/api/agents/%E0%A4%A/stop', { headers: key }), 400],
      [
        'too long',
        post(dash, `/api/agents/${'a'.repeat(300)}-witness/stop`, { headers: key }),
        400,
      ],
      ['unknown action', post(dash, `/api/agents/mayor/explode`, { headers: key }), 404],
      [
        'oversized body',
        post(dash, nudge, { headers: key, body: JSON.stringify({ text: 'x'.repeat(60_000) }) }),
        413,
      ],
      [
        'prompt too long',
        post(dash, nudge, { headers: key, body: JSON.stringify({ text: 'x'.repeat(33_000) }) }),
        413,
      ],
      [
        'wrong content type',
        post(dash, nudge, { headers: { ...key, 'content-type': 'text/plain' } }),
        415,
      ],
      ['not JSON', post(dash, nudge, { headers: key, body: '{"text":' }), 400],
      ['no text', post(dash, nudge, { headers: key, body: '{"txt":"hi"}' }), 400],
      ['empty prompt', post(dash, nudge, { headers: key, body: '{"text":"  "}' }), 400],
      ['NUL prompt', post(dash, nudge, { headers: key, body: '{"text":"a\\u0000b"}' }), 400],
      [
        'other host name',
        rawGet(dash.port, '/api/status', { host: `evil.example:${dash.port}` }),
        421,
      ],
      ['bad screen', fetch(`${dash.base}/api/agents/mayor?screen=9999`, { headers: key }), 400],
      [
        'bad Last-Event-ID',
        fetch(`${dash.base}/api/events`, { headers: { ...key, 'last-event-id': 'x' } }),
        400,
      ],
      ['DELETE', fetch(`${dash.base}/api/status`, { method: 'DELETE', headers: key }), 405],
      ['no route', fetch(`${dash.base}/etc/passwd`, { headers: key }), 404],
      ['no route, no key', fetch(`${dash.base}/etc/passwd`), 403],
      [
        'a request line no URL can hold',
        rawGet(dash.port, 'http://[', { host: `127.0.0.1:${dash.port}` }),
        400,
      ],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      expect(res.status, what).toBe(status);
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      expect(body.error?.message, what).toBeTruthy();
    }
    expect((await fetch(`${dash.base}/metrics`)).status).toBe(200); // still serving
    expect(await effects(town)).toEqual(before);
  });
});
