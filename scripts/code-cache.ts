// Writes dist/gt-main.cache, the code cache dist/gt.cjs starts from (see src/cli/launch.ts).
//
// Loads the bundle the way dist/gt.cjs does, runs the commands agents and scripts run
// most against a scratch town (so V8 has compiled what they need, not just the top
// level), then saves V8's code. scripts/build.mjs runs this in a child process with its
// output discarded; a command that fails here (say tmux is not installed yet) only leaves
// its code out of the cache.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_FILE, cacheBytes, loadCli } from '../src/cli/launch.js';
import { writeFileAtomic } from '../src/util/fs.js';

const dist = dirname(fileURLToPath(import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gt-code-cache-'));
const town = join(scratch, 'town');
// Nothing of a town the builder may be working in reaches these runs (the build passes
// none of it either): no store URL, agent token, role or daemon host.
for (const key of Object.keys(process.env)) if (/^(GT_|PG)/.test(key)) delete process.env[key];
process.env.GT_TOWN_ROOT = town;
process.env.GT_TMUX_SOCKET = `gt-code-cache-${process.pid}`;

const RUNS: string[][] = [
  ['--help'],
  ['install', town],
  ['mail', 'send', 'mayor', '-s', 'warm-up', '-m', 'hello'],
  ['mail', 'inbox', 'mayor'],
  ['mail', 'check', 'mayor'],
  ['handoff', '--identity', 'mayor'],
  ['status'],
  ['events'],
  ['session', 'list'],
];

try {
  const cli = loadCli(dist, { useCache: false });
  if (cli.stamp === undefined) throw new Error('the bundle has no build id line');
  for (const args of RUNS) {
    process.exitCode = undefined;
    await cli.main([process.execPath, join(dist, 'gt.cjs'), ...args]);
  }
  process.exitCode = 0;
  writeFileAtomic(join(dist, CACHE_FILE), cacheBytes(cli.stamp, cli.script), 0o644);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
