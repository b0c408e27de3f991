#!/usr/bin/env node
// The `gt` executable (dist/gt.cjs): loads the command line next to it and runs argv.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedCli } from './launch.js';
import { loadCli, MAIN_FILE } from './launch.js';

const dir = dirname(fileURLToPath(import.meta.url));
let cli: LoadedCli | undefined;
try {
  cli = loadCli(dir);
} catch (err) {
  const why = err instanceof Error ? err.message : String(err);
  process.stderr.write(`gt: cannot load ${MAIN_FILE} from ${dir}: ${why}\n`);
  process.stderr.write('gt: hint: rebuild gt (npm run build, or npm ci in its folder)\n');
  process.exitCode = 1;
}
if (cli !== undefined) {
  const loaded = cli;
  // Tells tests and the curious whether this start used a code cache, and whose.
  if (process.env.GT_DEBUG_CODE_CACHE === '1')
    process.stderr.write(`gt: code cache ${loaded.cache} (${loaded.source})\n`);
  void loaded.main(process.argv).then((code) => {
    process.exitCode = code;
    loaded.saveUserCache();
  });
}
