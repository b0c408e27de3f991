// A town whose agents are the real OpenCode (the pinned npm package's native binary, cached by
// agent-cli.ts), talking to our scripted model server on 127.0.0.1 through a provider of its
// config (@ai-sdk/openai-compatible, bundled): no network, HOME in a temp dir, nothing of the
// user's touched, and nothing npm-installed in the background.
import type { ModelServer } from '../../src/demo/model-server.js';
import { ensureCli, OPENCODE } from './agent-cli.js';
import { runtimeTown } from './runtime-town.js';
import type { TestTown } from './town.js';

/** The pinned OpenCode binary (installed into the cache on first use: ~185 MB). */
export const OPENCODE_BIN = ensureCli(OPENCODE);

export interface OpenCodeTown {
  town: TestTown;
  server: ModelServer;
  home: string;
}

export interface OpenCodeTownOptions {
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
}

/** A town with one crew member, alpha/crew/max, running OpenCode against a scripted server. */
export async function openCodeTown(opts: OpenCodeTownOptions = {}): Promise<OpenCodeTown> {
  const { town, server, env } = await runtimeTown('opencode', OPENCODE_BIN, opts);
  return { town, server, home: env.HOME ?? '' };
}
