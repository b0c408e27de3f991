// A town whose agents are the real Gemini CLI (the pinned npm package, cached by agent-cli.ts),
// talking to our scripted model server on 127.0.0.1 as if it were the Gemini API: no network,
// HOME in a temp dir, nothing of the user's touched.
import type { ModelServer } from '../../src/demo/model-server.js';
import { ensureCli, GEMINI } from './agent-cli.js';
import { runtimeTown } from './runtime-town.js';
import type { TestTown } from './town.js';

/** The pinned Gemini CLI (installed into the cache on first use: ~100 MB). */
export const GEMINI_BIN = ensureCli(GEMINI);

export interface GeminiTown {
  town: TestTown;
  server: ModelServer;
  home: string;
}

export interface GeminiTownOptions {
  /** Gemini CLI's own tries of a failing request (general.maxAttempts; its default is 10). */
  attempts?: number;
  /**
   * A model of its own instead of "Auto": no router request before each prompt (the router's
   * retries of a refused connection take a minute more, whatever general.maxAttempts says).
   */
  model?: string;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
}

/** A town with one crew member, alpha/crew/max, running `gemini --yolo` against a scripted server. */
export async function geminiTown(opts: GeminiTownOptions = {}): Promise<GeminiTown> {
  const { attempts, model, ...rest } = opts;
  const home = {
    ...(attempts === undefined ? {} : { retries: attempts }),
    ...(model === undefined ? {} : { model }),
  };
  const { town, server, env } = await runtimeTown('gemini', GEMINI_BIN, { ...rest, home });
  return { town, server, home: env.HOME ?? '' };
}
