// Opens the town's store: PostgreSQL when store.url is set, else the embedded SQLite file.
// The PostgreSQL backend (and its driver) is loaded only then, so SQLite towns never pay for it.
import { townPaths } from '../town/layout.js';
import type { Settings } from '../town/settings.js';
import { ms } from '../util/duration.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export async function openStore(townRoot: string, settings: Settings): Promise<Store> {
  if (settings.store.url !== null) return openPostgres(settings.store.url, settings);
  const file = townPaths(townRoot).storeFile;
  return SqliteStore.open(file, { busyTimeoutMs: ms(settings.store.busy_timeout) });
}

/** Connects to a PostgreSQL store and applies its migrations (first use creates the tables). */
export async function openPostgres(url: string, settings?: Settings): Promise<Store> {
  const { PostgresStore } = await import('./postgres/postgres-store.js');
  const busy = settings === undefined ? {} : { lockTimeoutMs: ms(settings.store.busy_timeout) };
  return PostgresStore.open(url, busy);
}
