#!/usr/bin/env node
// The `gt` executable (dist/gt.cjs): hands an agent's hook, a nudge, a mail or a status to the
// daemon when it can (hook-client.ts), else loads the command line next to it and runs argv.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedCli } from './launch.js';
import { askDaemon, daemonAskOf, readHookStdin } from './hook-client.js';

async function runCli(): Promise<void> {
  const dir = dirname(fileURLToPath(import.meta.url));
  // Loaded here, not above: a hook the daemon answers never needs it.
  const { loadCli, MAIN_FILE } = await import('./launch.js');
  let cli: LoadedCli | undefined;
  try {
    cli = loadCli(dir);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    process.stderr.write(`gt: cannot load ${MAIN_FILE} from ${dir}: ${why}\n`);
    process.stderr.write('gt: hint: rebuild gt (npm run build, or npm ci in its folder)\n');
    process.exitCode = 1;
    return;
  }
  const loaded = cli;
  // Tells tests and the curious whether this start used a code cache, and whose.
  if (process.env.GT_DEBUG_CODE_CACHE === '1')
    process.stderr.write(`gt: code cache ${loaded.cache} (${loaded.source})\n`);
  void loaded.main(process.argv).then((code) => {
    process.exitCode = code;
    loaded.saveUserCache();
  });
}

const ask = daemonAskOf(process.argv, process.env);
if (ask === undefined) void runCli();
else {
  const input = ask.withInput ? readHookStdin() : Buffer.alloc(0);
  if (ask.withInput) globalThis.__gtHookInput = input;
  void askDaemon(ask, input).then((reply) => {
    if (process.env.GT_DEBUG_HOOK === '1')
      process.stderr.write(`gt: answered by ${reply ? 'the daemon' : 'gt itself'}\n`);
    if (reply === undefined) return runCli();
    process.stderr.write(reply.stderr);
    process.stdout.write(reply.stdout);
    process.exitCode = reply.code;
  });
}
