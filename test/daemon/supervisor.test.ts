// gt daemon enable-supervisor: the unit's text (a pure function, quoting table-tested), and the
// command where systemd's user manager cannot be reached: the unit printed, nothing written.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemdQuote, unitName, unitText } from '../../src/daemon/supervisor.js';
import { tempDir } from '../helpers/temp.js';
import { makeTown } from '../helpers/town.js';

describe('the systemd unit', () => {
  const cases: Array<[string, string]> = [
    ['/home/ann/town', '"/home/ann/town"'],
    ['/srv/my town', '"/srv/my town"'],
    ['/t/100%', '"/t/100%%"'],
    ['/t/$HOME', '"/t/$$HOME"'],
    ['/t/a"b\\c', '"/t/a\\"b\\\\c"'],
  ];
  for (const [word, quoted] of cases)
    it(`quotes ${JSON.stringify(word)}`, () => expect(systemdQuote(word)).toBe(quoted));

  it('refuses a newline, which a unit cannot say', () => {
    expect(() => systemdQuote('/t/a\nExecStartPre=/bin/rm')).toThrow(/cannot go in a systemd unit/);
  });

  it('runs this gt for the town, restarts on failure, starts with the user’s manager', () => {
    const text = unitText({
      root: '/srv/town',
      name: 'demo',
      gt: ['/usr/bin/node', '/opt/gt/dist/gt.cjs'],
      path: '/usr/bin:/bin',
    });
    expect(text).toContain(
      'ExecStart="/usr/bin/node" "/opt/gt/dist/gt.cjs" "daemon" "run" "--quiet" "--supervised" "--town" "/srv/town"',
    );
    expect(text).toContain('Environment="PATH=/usr/bin:/bin"');
    expect(text).toMatch(/^Restart=on-failure$/m);
    expect(text).toMatch(/^WantedBy=default.target$/m);
    expect(unitName('/srv/town')).toMatch(/^gt-town-[0-9a-f]{6}-daemon\.service$/);
  });
});

describe('gt daemon enable-supervisor', () => {
  it('without a reachable systemd: prints the unit and where it goes, writes nothing', async () => {
    const town = await makeTown();
    const config = tempDir('xdg');
    const env = { PATH: '/nonexistent', XDG_CONFIG_HOME: config };
    const out = await town.gt(['daemon', 'enable-supervisor'], { env });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^\[Unit\]/);
    expect(out.stdout).toContain(`"--town" "${town.root}"`);
    expect(out.stderr).toMatch(/systemd's user manager is not reachable here/);
    expect(out.stderr).toContain(join(config, 'systemd', 'user'));
    expect(existsSync(join(config, 'systemd'))).toBe(false);
    const json = JSON.parse(
      await town.gtOk(['daemon', 'enable-supervisor', '--print', '--json'], { env }),
    ) as { unit: string; enabled: boolean; text: string };
    expect(json.enabled).toBe(false);
    expect(json.text).toContain('ExecStart=');
  });
});
