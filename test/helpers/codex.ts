// A town whose agents are the real Codex CLI (the pinned npm package, cached by agent-cli.ts),
// talking to our scripted model server on 127.0.0.1 through a model provider of its own config:
// no network, HOME and CODEX_HOME in a temp dir, nothing of the user's touched.
import { readdirSync, readFileSync } from 'node:fs';
import type { ModelServer } from '../../src/demo/model-server.js';
import { CODEX, ensureCli } from './agent-cli.js';
import { runtimeTown } from './runtime-town.js';
import type { TestTown } from './town.js';

/** The pinned Codex CLI (installed into the cache on first use: ~420 MB). */
export const CODEX_BIN = ensureCli(CODEX);

export interface CodexTown {
  town: TestTown;
  server: ModelServer;
  /** CODEX_HOME of the crew's sessions. */
  codexHome: string;
}

export interface CodexTownOptions {
  /** Codex's own retries of a failed request (request_max_retries, stream_max_retries). */
  retries?: number;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
}

/** A town with one crew member, alpha/crew/max, running Codex against a scripted server. */
export async function codexTown(opts: CodexTownOptions = {}): Promise<CodexTown> {
  const { retries = 0, ...rest } = opts;
  const { town, server, env } = await runtimeTown('codex', CODEX_BIN, {
    ...rest,
    home: { retries },
  });
  return { town, server, codexHome: env.CODEX_HOME ?? '' };
}

/** The processes running with this CODEX_HOME (Codex, its app-server, its tools), by pid. */
export function codexProcesses(codexHome: string): number[] {
  const mark = `CODEX_HOME=${codexHome}\0`;
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(mark);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}
