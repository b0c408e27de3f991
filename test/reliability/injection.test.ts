// Injection: text from mail, notes, names, settings and paths never reaches a shell or a tmux
// format. Every hostile string here would create a marker file if anything ran it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { agentEnv, makeTown, runDaemon, starts, TINY_AGENT } from '../helpers/town.js';
import { snapshotDiff, snapshotTree, townAt, withStore } from './helpers.js';
import { PARSED_SETTINGS_FILE } from '../../src/town/settings-cache.js';

const MAX = 'alpha/crew/max';
const MAX_SESSION = 'gt-alpha-crew-max';

/** Every way a string could be run: shell substitutions, a list, a tmux job, quotes broken out of. */
function hostile(marker: string): string[] {
  return [
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `; touch ${marker};`,
    `' ; touch ${marker} ; '`,
    `" ; touch ${marker} ; "`,
    `#(touch ${marker})`,
    `#{session_name}#(touch ${marker})`,
    `line one\ntouch ${marker}\n`,
    `&& touch ${marker} ||`,
    `| touch ${marker}`,
    `\\; run-shell "touch ${marker}" \\;`,
    `;`,
  ];
}

/** Control characters that would drive the terminal of whoever reads the output. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const TERMINAL_ATTACK = '\u001b]0;owned\u0007\u001b[2J\u009b31m';

function markerIn(town: TestTown): string {
  return join(dirname(town.root), 'pwned');
}

describe('mail text never runs', () => {
  it('subjects, bodies and handoff notes pass the daemon, gt status, gt events and gt mail as plain text', async () => {
    const town = await makeTown({ settings: { daemon: { heartbeat: '200ms' } } });
    const marker = markerIn(town);
    await town.gtOk(['session', 'start', MAX]);
    const daemon = await runDaemon(town);
    for (const text of hostile(marker)) {
      await town.gtOk(['mail', 'send', 'deacon/', '-s', `LIFECYCLE: ${text}`, '-m', text]);
      await town.gtOk(['mail', 'send', 'deacon/', '-s', text, '-m', `action: ${text}`]);
      await town.gtOk(['mail', 'send', MAX, '-s', `${text}${TERMINAL_ATTACK}`, '-m', text]);
    }
    await town.gtOk([
      'mail',
      'send',
      'deacon/',
      '-s',
      `LIFECYCLE: x${TERMINAL_ATTACK}`,
      '-m',
      `{${TERMINAL_ATTACK}`,
    ]);
    // A hostile note rides a genuine request all the way through a cycle.
    const note = hostile(marker).join(' ');
    const out = JSON.parse(
      await town.gtOk(['handoff', '--no-daemon', '--wait', '--json', '-m', note], {
        env: agentEnv(town, MAX, MAX_SESSION),
      }),
    ) as { status: string; outcome: string };
    expect(out).toMatchObject({ status: 'done', outcome: 'done' });
    await waitFor('every deacon message settled', async () => {
      const c = await withStore(town, (s) => s.countByStatus('deacon'));
      return c.open === 0 && c.claimed === 0;
    });
    await waitFor('a heartbeat after them', async () => {
      const s = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as {
        heartbeat_count: number;
      };
      return s.heartbeat_count >= 2;
    });
    const shown: string[] = [];
    for (const args of [
      ['status'],
      ['status', '--json'],
      ['events'],
      ['events', '--json'],
      ['mail', 'inbox', 'deacon'],
      ['mail', 'inbox', MAX],
      ['mail', 'inbox', MAX, '--json'],
      ['daemon', 'logs', '-n', '1000'],
      ['session', 'list'],
    ]) {
      const text = await town.gtOk(args);
      shown.push(text);
      if (!args.includes('--json')) expect(text, args.join(' ')).not.toMatch(RAW_CONTROL);
    }
    const inbox = JSON.parse(await town.gtOk(['mail', 'inbox', MAX, '--json'])) as Array<{
      id: string;
      subject: string;
    }>;
    for (const m of inbox) {
      const read = await town.gtOk(['mail', 'read', m.id]);
      expect(read).not.toMatch(RAW_CONTROL);
    }
    // Stored and shown as the text it is.
    expect(inbox.map((m) => m.subject)).toContain(`$(touch ${marker})${TERMINAL_ATTACK}`);
    expect(shown.join('\n')).toContain(`#(touch ${marker})`);
    expect(existsSync(marker)).toBe(false);
    expect(starts(town, MAX)).toHaveLength(2);
    expect(daemon.child.exitCode).toBeNull();
  });

  it('a sender that is not an address (written to the store by another tool) is shown escaped', async () => {
    const town = await makeTown();
    await withStore(town, async (store) => {
      for (const from of [`x${TERMINAL_ATTACK}`, `alpha/crew/max${TERMINAL_ATTACK}`, '\u009b2J'])
        await store.sendMessage({
          from,
          to: 'deacon',
          subject: `LIFECYCLE: ${TERMINAL_ATTACK}`,
          body: 'cycle',
          priority: 'high',
          type: 'lifecycle',
          senderVerified: true,
        });
    });
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    for (const args of [['status'], ['events'], ['mail', 'inbox', 'deacon'], ['daemon', 'logs']]) {
      expect(await town.gtOk(args), args.join(' ')).not.toMatch(RAW_CONTROL);
    }
  });
});

describe('names, addresses and settings never run', () => {
  it('rig and crew names, addresses and git urls with shell syntax are refused, and nothing runs', async () => {
    const town = await makeTown();
    const marker = markerIn(town);
    // The store, and the parsed-settings cache any command that reads settings may write.
    const skip = (rel: string): boolean =>
      rel.startsWith('.gt') || rel === `settings/${PARSED_SETTINGS_FILE}`;
    const before = snapshotTree(town.root, skip);
    for (const text of hostile(marker)) {
      const rig = await town.gt(['rig', 'add', `r${text}`, town.origin]);
      expect(rig.code, `rig ${text}`).toBe(2);
      expect(rig.stderr).toMatch(/^gt: rig name /);
      const crew = await town.gt(['crew', 'add', text, '--rig', 'alpha']);
      expect(crew.code, `crew ${text}`).toBe(2);
      const crewRig = await town.gt(['crew', 'add', 'bob', '--rig', text]);
      expect(crewRig.code, `crew rig ${text}`).toBe(2);
      for (const args of [
        ['mail', 'send', `alpha/crew/${text}`, '-s', 'x'],
        ['mail', 'send', 'mayor', '-s', 'x', '--from', text],
        ['mail', 'inbox', text],
        ['handoff', '--no-daemon', '--identity', `alpha/crew/${text}`],
        ['session', 'start', `alpha-crew-${text}`],
        ['mail', 'read', text],
      ]) {
        const r = await town.gt(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(/^gt: /);
      }
      const role = await town.gt(['handoff', '--no-daemon'], { env: { GT_ROLE: text } });
      expect(role.code).toBe(2);
    }
    for (const url of [`--upload-pack=touch ${marker}`, `ext::sh -c touch% ${marker}`]) {
      const r = await town.gt(['rig', 'add', 'beta', url]);
      expect(r.code, url).not.toBe(0);
    }
    expect(existsSync(marker)).toBe(false);
    expect(snapshotDiff(before, snapshotTree(town.root, skip))).toEqual([]);
  }, 90_000);

  it('settings other than agent commands never run: a hostile daemon.host goes through a whole cycle', async () => {
    const town = await makeTown();
    const marker = markerIn(town);
    const file = join(town.root, 'settings', 'config.json');
    const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      file,
      JSON.stringify({
        ...settings,
        daemon: { heartbeat: '30s', host: `$(touch ${marker})#(touch ${marker});touch ${marker}` },
      }),
    );
    await town.gtOk(['session', 'start', MAX]);
    await runDaemon(town);
    const out = JSON.parse(
      await town.gtOk(['handoff', '--no-daemon', '--wait', '--json'], {
        env: agentEnv(town, MAX, MAX_SESSION),
      }),
    ) as { outcome: string };
    expect(out.outcome).toBe('done');
    await town.gtOk(['status']);
    for (const bad of [
      { daemon: { keep_alive: [`$(touch ${marker})`] } },
      { daemon: { heartbeat: `1s; touch ${marker}` } },
    ]) {
      writeFileSync(file, JSON.stringify({ ...settings, ...bad }));
      const r = await town.gt(['status']);
      expect(r.code, JSON.stringify(bad)).toBe(2);
      expect(r.stderr).toMatch(/^gt: bad settings in /);
    }
    // The town's environment names its socket; a hostile one is refused the same way.
    const socket = await town.gt(['status'], { env: { GT_TMUX_SOCKET: `s$(touch ${marker})` } });
    expect(socket.code).toBe(2);
    expect(socket.stderr).toMatch(/^gt: bad settings in .*tmux\.socket/);
    expect(existsSync(marker)).toBe(false);
  });

  it('a town whose path holds shell and tmux syntax: sessions start there, nothing runs', async () => {
    const base = tempDir('weird');
    const marker = join(base, 'pwned');
    // A folder name cannot hold '/', so the commands find the marker through the environment.
    const name = `t $(touch $PWN_MARK) \`touch $PWN_MARK\` #(touch $PWN_MARK) #{pane_pid} ;touch $PWN_MARK; '"`;
    const town = await townAt(join(base, name), base, ['--name', 'weird']);
    const settings = {
      daemon: { heartbeat: '30s', keep_alive: [] },
      agents: { crew: { command: TINY_AGENT, sync: true } },
    };
    writeFileSync(join(town.root, 'settings', 'config.json'), JSON.stringify(settings));
    const env = { PWN_MARK: marker };
    await town.gtOk(['session', 'start', MAX], { env });
    await waitFor('the agent to start', () => starts(town, MAX).length === 1);
    await runDaemon(town, env);
    const out = JSON.parse(
      await town.gtOk(['handoff', '--no-daemon', '--wait', '--json'], {
        env: { ...env, ...agentEnv(town, MAX, MAX_SESSION) },
      }),
    ) as { outcome: string };
    expect(out.outcome).toBe('done');
    await waitFor('the new agent', () => starts(town, MAX).length === 2);
    const cwd = execFileSync(
      'tmux',
      [
        '-L',
        town.socket,
        'display-message',
        '-p',
        '-t',
        `=${MAX_SESSION}:`,
        '#{pane_current_path}',
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(cwd).toBe(join(town.root, 'alpha', 'crew', 'max'));
    await town.gtOk(['status'], { env });
    expect(existsSync(marker)).toBe(false);
  });
});
