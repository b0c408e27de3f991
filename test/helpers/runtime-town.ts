// A town with one crew member, alpha/crew/max, running a real agent CLI against a scripted model
// server of its own, the CLI's HOME in the test's temp folder (runtime-homes.ts writes its config).
import type { ModelServer } from '../../src/demo/model-server.js';
import { startModelServer } from '../../src/demo/model-server.js';
import { shellQuote } from '../../src/sessions/tmux-args.js';
import { TmuxHost } from '../../src/sessions/tmux.js';
import type { HomeOptions, HomeRuntime } from './runtime-homes.js';
import { RUNTIME_ARGS, writeRuntimeHome } from './runtime-homes.js';
import { onCleanup, tempDir } from './temp.js';
import type { TestTown } from './town.js';
import { makeTown } from './town.js';

export interface RuntimeTownOptions {
  settings?: Record<string, unknown>;
  /** More of the crew's environment, over the home's. */
  env?: Record<string, string>;
  home?: HomeOptions;
}

export interface RuntimeTown {
  town: TestTown;
  server: ModelServer;
  /** The crew's environment: HOME and the CLI's own variables. */
  env: Record<string, string>;
}

/** The town, its crew running `bin` with the runtime's default arguments. */
export async function runtimeTown(
  runtime: HomeRuntime,
  bin: string,
  opts: RuntimeTownOptions = {},
): Promise<RuntimeTown> {
  const server = await startModelServer();
  onCleanup(() => server.close());
  const env = writeRuntimeHome(runtime, tempDir(`${runtime}-home`), server.url, opts.home);
  const crew = {
    runtime,
    command: [bin, ...RUNTIME_ARGS[runtime]].map(shellQuote).join(' '),
    sync: false,
    env: { ...env, ...opts.env },
  };
  const settings = opts.settings ?? {};
  const town = await makeTown({
    settings: {
      daemon: { heartbeat: '30s' },
      lifecycle: { retry_backoff: '50ms' },
      ...settings,
      agents: { crew, ...(settings.agents as Record<string, unknown> | undefined) },
    },
  });
  // The CLI writes into its HOME until it has exited: end it before the folders go.
  onCleanup(async () => {
    const host = new TmuxHost({ socket: town.socket, stopGraceMs: 3000 });
    for (const session of await host.list().catch(() => [])) await host.stop(session.name);
  });
  return { town, server, env };
}
