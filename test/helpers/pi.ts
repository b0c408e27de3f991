// A town whose agents are the real Pi coding agent (the pinned npm package, cached by
// agent-cli.ts), talking to our scripted model server on 127.0.0.1 through a provider of its own
// models.json (chat completions): no network, HOME in a temp dir, nothing of the user's touched.
import type { ModelServer } from '../../src/demo/model-server.js';
import { ensureCli, PI } from './agent-cli.js';
import { runtimeTown } from './runtime-town.js';
import type { TestTown } from './town.js';

/** The pinned Pi CLI (installed into the cache on first use: ~60 MB of node_modules). */
export const PI_BIN = ensureCli(PI);

export interface PiTown {
  town: TestTown;
  server: ModelServer;
  /** The HOME of the crew's sessions (Pi keeps its state in ~/.pi/agent). */
  home: string;
}

export interface PiTownOptions {
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
}

/** A town with one crew member, alpha/crew/max, running Pi against a scripted server. */
export async function piTown(opts: PiTownOptions = {}): Promise<PiTown> {
  const { town, server, env } = await runtimeTown('pi', PI_BIN, opts);
  return { town, server, home: env.HOME ?? '' };
}
