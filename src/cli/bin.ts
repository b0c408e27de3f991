#!/usr/bin/env node
// The `gt` executable (dist/gt.cjs): loads the command line next to it and runs argv.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCli } from './launch.js';

const cli = loadCli(dirname(fileURLToPath(import.meta.url)));
// Tells tests and the curious whether this start used the build's code cache.
if (process.env.GT_DEBUG_CODE_CACHE === '1') process.stderr.write(`gt: code cache ${cli.cache}\n`);
void cli.main(process.argv).then((code) => {
  process.exitCode = code;
});
