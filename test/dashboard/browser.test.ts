// The page in a real browser (Debian's Chromium driven by playwright-core; no browser is
// downloaded) over the demo's town: its agents listed, a handoff seen live, a nudge sent from
// the page's box. A screenshot is kept in test-artifacts/.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { townPaths } from '../../src/town/layout.js';
import { gtOk } from '../helpers/cli.js';
import { endDaemons } from '../helpers/town.js';
import { onCleanup, tempDir, tmuxSocket, waitFor } from '../helpers/temp.js';
import { startDashboard } from './dashboard.js';

/** Debian's Chromium (.ci/run installs it). */
const CHROMIUM = '/usr/bin/chromium';
const DEMO = resolve(import.meta.dirname, '..', '..', 'dist', 'demo.js');
const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts');
const AGENTS = ['mayor', 'demo/witness', 'demo/refinery', 'demo/crew/ada', 'demo/crew/bob'];

/** `npm start`'s town, its stand-in agents handing off every few seconds; stopped after the test. */
async function startDemo(): Promise<string> {
  const dir = tempDir('demo');
  // After the demo and its tmux server are gone: any daemon an agent's last `gt handoff` started
  // once the demo's own had stopped (it would bring the agents back and write into the town).
  onCleanup(() => endDaemons(join(dir, 'town')));
  const socket = tmuxSocket();
  const child = spawn(
    process.execPath,
    [DEMO, '--dir', dir, '--socket', socket, '--handoff-after', '3', '--for', '120s'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  await waitFor(
    'the demo daemon',
    () => {
      if (child.exitCode !== null) throw new Error(`the demo exited: ${out}`);
      return out.includes('daemon running');
    },
    30_000,
  );
  return join(dir, 'town');
}

/** A port on 127.0.0.1 nothing listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function browser(): Promise<Browser> {
  const b = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  onCleanup(() => b.close());
  return b;
}

describe('the dashboard page in Chromium', () => {
  it('lists the demo town’s agents, shows a handoff live, and delivers a nudge', async () => {
    const root = await startDemo();
    const env = { GT_TOWN_ROOT: root };
    const dash = await startDashboard(env);
    const page = await (await browser()).newPage();
    await page.goto(`${dash.base}/?token=${dash.token}`);
    expect(new URL(page.url()).search).toBe(''); // the key left the address bar for a cookie
    for (const address of AGENTS)
      await page.locator(`tr[data-address="${address}"][data-state="alive"]`).waitFor();
    await expect(page.locator('#town-name').textContent()).resolves.toBe('demo');

    // A handoff replaces ada's session: her row shows the new process without a reload.
    await page.evaluate(() => ((globalThis as unknown as { stillHere: boolean }).stillHere = true));
    const row = page.locator('tr[data-address="demo/crew/ada"]');
    const pid = await row.getAttribute('data-pid');
    expect(pid).toMatch(/^\d+$/);
    await waitFor(
      'ada’s row to show her new session',
      async () => ((await row.getAttribute('data-pid')) ?? pid) !== pid,
      20_000,
    );
    await page.locator('#feed li[data-kind="request.done"]').first().waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as { stillHere?: boolean }).stillHere),
    ).toBe(true);

    // The nudge box: typed in the page, queued for bob as the dashboard's, then delivered.
    await page.locator('tr[data-address="demo/crew/bob"] button[data-action="nudge"]').click();
    await page.locator('#nudge-text').fill('please look at the failing build');
    await page.locator('#nudge-send').click();
    await page.locator('#notice.ok').waitFor();
    const queued = JSON.parse(
      await gtOk(['events', '--json', '--agent', 'demo/crew/bob'], { env }),
    ) as Array<{ kind: string; data: { source?: string; nudge?: string } | null }>;
    const mine = queued.find((e) => e.kind === 'nudge.queued' && e.data?.source === 'dashboard');
    expect(mine?.data?.nudge).toMatch(/^gn-/);
    // The daemon types it into bob's session and sees it submitted.
    await waitFor(
      'the nudge delivered',
      async () =>
        (
          JSON.parse(
            await gtOk(['events', '--json', '--agent', 'demo/crew/bob'], { env }),
          ) as Array<{ kind: string; data: { nudge?: string } | null }>
        ).some((e) => e.kind === 'nudge.delivered' && e.data?.nudge === mine?.data?.nudge),
      30_000,
      200,
    ).catch(async (err: unknown) => {
      // What bob went through meanwhile says why (cycles, a park, the nudge's own steps).
      const seen = await gtOk(['events', '--agent', 'demo/crew/bob', '-n', '40'], { env });
      throw new Error(`${String(err)}\n${seen}`);
    });

    // What ada spent today (a million input tokens of Claude Sonnet 4.5: $3), and a channel that
    // fails: a webhook to a port nobody listens on (taken up at the daemon's next heartbeat).
    const config = join(root, 'settings', 'config.json');
    const settings = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
    const url = `http://127.0.0.1:${await closedPort()}/hook`;
    settings.notify = { channels: [{ name: 'phone', type: 'webhook', url }] };
    writeFileSync(config, JSON.stringify(settings));
    const store = SqliteStore.open(townPaths(root).storeFile);
    onCleanup(() => store.close());
    const ada = 'demo/crew/ada';
    const at = Date.now();
    const tokens = { input: 1_000_000, output: 0, cacheRead: 0, cacheWrite: 0 };
    const cursor = { path: 'ada.jsonl', identity: ada, runtime: 'claude', conversationId: null };
    const entry = { key: 'k1', identity: ada, at, runtime: 'claude', model: 'claude-sonnet-4-5' };
    await store.recordUsage({ ...cursor, readTo: 1, state: null, updatedAt: at }, [
      { ...entry, conversationId: null, tokens },
    ]);
    await page
      .locator(`tr[data-address="${ada}"] td[data-col="spent"]`, { hasText: '$3.00' })
      .waitFor();
    await expect(page.locator('#spent').textContent()).resolves.toBe('spent today $3.00');
    await waitFor(
      'the settings taken up',
      async () => {
        await store.recordEvent({ kind: 'notify.test', reason: 'from the browser test' }, [
          { channel: 'phone', kind: 'test', identity: null, title: 'a test', text: '' },
        ]);
        return page.locator('#failing-channels li[data-channel="phone"]').isVisible();
      },
      30_000,
      1_000,
    );
    await page
      .locator('#outbox-recent li.warn', { hasText: 'phone pending test: a test' })
      .first()
      .waitFor();

    // Filters: crew only.
    await page.locator('#f-role').selectOption('crew');
    await expect(page.locator('tbody tr[data-address]').count()).resolves.toBe(2);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#f-role').selectOption('');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  }, 90_000);
});
