// What every command needs: the town root, its settings and (opened on demand) its store.
import type { LoadedSettings, Settings } from '../town/settings.js';
import { loadSettings, settingsFile } from '../town/settings.js';
import { checkRuntimeSettings } from '../agents/runtime/index.js';
import { findTownRoot, townPaths } from '../town/layout.js';
import type { TownPaths } from '../town/layout.js';
import type { Store } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { whoAmI } from '../town/whoami.js';
import { openStore } from '../store/open.js';
import { writeStdout } from './output.js';
import { fileURLToPath } from 'node:url';
import type { GtInvocation } from '../agents/gt-command.js';
import { locateGt } from '../agents/gt-command.js';

export interface GlobalOptions {
  town?: string;
}

export interface TownContext {
  root: string;
  paths: TownPaths;
  settings: Settings;
  loaded: LoadedSettings;
  env: NodeJS.ProcessEnv;
  /** The agent this command acts for: the flag, else GT_ROLE, else the working directory, else mayor. */
  self(flag?: string): Identity;
  store(): Promise<Store>;
  close(): Promise<void>;
}

export function openTown(
  opts: GlobalOptions,
  overrides: Record<string, unknown> = {},
): TownContext {
  const env = process.env;
  const root = findTownRoot({ town: opts.town, env });
  const loaded = loadSettings(root, { env, overrides });
  // The runtimes' names live with their profiles, above town/: checked here, at load.
  checkRuntimeSettings(loaded.settings, settingsFile(root));
  let store: Store | undefined;
  return {
    root,
    paths: townPaths(root),
    settings: loaded.settings,
    loaded,
    env,
    self: (flag) => whoAmI({ flag, env, cwd: process.cwd(), root }),
    async store() {
      store ??= await openStore(root, loaded.settings);
      return store;
    },
    async close() {
      await store?.close();
      store = undefined;
    },
  };
}

/** Runs `fn` with an open town and always closes its store. */
export async function withTown<T>(
  opts: GlobalOptions,
  fn: (town: TownContext) => Promise<T>,
): Promise<T> {
  const town = openTown(opts);
  try {
    return await fn(town);
  } finally {
    await town.close();
  }
}

/** This gt as an agent's session reaches it (undefined when run from source, as in tests). */
export function thisGt(): GtInvocation | undefined {
  return locateGt(fileURLToPath(import.meta.url));
}

export function printJson(value: unknown): void {
  writeStdout(`${JSON.stringify(value, null, 2)}\n`);
}

export function println(text = ''): void {
  writeStdout(`${text}\n`);
}
