// gt doctor's checks of each role's agent CLI: found on the PATH its session will have (the
// running daemon's, else the service unit's, else this shell's; the role's own env.PATH first),
// and its version beside the one gastown-ts's profile of it was recorded from.
import { accessSync, constants, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { commandOf, runtimeOf } from '../../agents/runtime/index.js';
import { ROLES } from '../../town/identity.js';
import type { Settings } from '../../town/settings.js';
import type { Check } from './check.js';
import { fail, ok, probe, versionOf, warn } from './check.js';

/** The versions the built-in profiles' screens and hooks were recorded from. */
export const RECORDED_FROM: Readonly<Record<string, string>> = {
  claude: '2.1.328',
  codex: '0.171.0',
  gemini: '0.61.0',
  pi: '0.73.1',
  opencode: '1.18.33',
};

/** A running process's PATH (the daemon's), if it can be read. */
export function pathOfProcess(pid: number): string | undefined {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.find((e) => e.startsWith('PATH='))?.slice(5);
  } catch {
    return undefined;
  }
}

/** Where `program` is found on `path`; undefined when it is not. */
export function which(program: string, path: string): string | undefined {
  const candidates = program.includes('/')
    ? [program]
    : path
        .split(':')
        .filter((d) => isAbsolute(d))
        .map((d) => join(d, program));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function cliCheck(
  roles: string[],
  runtime: string,
  program: string,
  path: string,
): Promise<Check> {
  const id = `agent-cli.${roles.join('+')}`;
  const found = which(program, path);
  if (found === undefined)
    return fail(
      id,
      `${roles.join(', ')}: ${program} is not on the PATH its sessions get (${path})`,
      `install it, or set agents.${roles[0] ?? 'crew'}.command to its full path`,
    );
  const recorded = RECORDED_FROM[runtime];
  if (recorded === undefined) return ok(id, `${roles.join(', ')}: ${found}`);
  const { out, error } = await probe(found, ['--version'], { ...process.env, PATH: path });
  const v = versionOf(out);
  const r = versionOf(recorded);
  if (error !== null || v === undefined || r === undefined)
    return warn(
      id,
      `${roles.join(', ')}: ${found} did not say its version (${error ?? out.trim()})`,
      null,
    );
  const same = v[0] === r[0] && v[1] === r[1];
  const text = `${roles.join(', ')}: ${found} ${v.join('.')}`;
  return same
    ? ok(id, `${text} (profile recorded from ${recorded})`)
    : warn(
        id,
        `${text}, its profile was recorded from ${recorded}: its screens may have changed`,
        'gt why <agent> if one is stuck; report what its screen shows',
      );
}

/** One check per program the roles run (shell commands are not checked). */
export async function cliChecks(settings: Settings, sessionPath: string): Promise<Check[]> {
  const byProgram = new Map<string, { roles: string[]; runtime: string; path: string }>();
  for (const role of ROLES) {
    const runtime = runtimeOf(settings, role).name;
    if (runtime === 'shell') continue;
    const program = commandOf(settings, role).trim().split(/\s+/)[0] ?? '';
    const path = settings.agents[role].env.PATH ?? sessionPath;
    const key = `${program}\0${path}`;
    const seen = byProgram.get(key);
    if (seen !== undefined) seen.roles.push(role);
    else byProgram.set(key, { roles: [role], runtime, path });
  }
  return Promise.all(
    [...byProgram.entries()].map(([key, c]) =>
      cliCheck(c.roles, c.runtime, key.split('\0')[0] ?? '', c.path),
    ),
  );
}
