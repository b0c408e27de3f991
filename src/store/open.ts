// Opens the town's store: PostgreSQL when store.url is set, else the embedded SQLite file.
import { join } from 'node:path';
import { GtError } from '../errors.js';
import type { Settings } from '../town/settings.js';
import { ms } from '../town/settings.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export function storeFile(townRoot: string): string {
  return join(townRoot, '.gt', 'town.db');
}

export function openStore(townRoot: string, settings: Settings): Promise<Store> {
  if (settings.store.url !== null) {
    return Promise.reject(
      new GtError(
        'GT_STORE_UNSUPPORTED',
        'store.url is set, but the PostgreSQL backend is not available yet',
        {
          hint: 'unset store.url / GT_DATABASE_URL to use the embedded store',
        },
      ),
    );
  }
  return Promise.resolve(
    SqliteStore.open(storeFile(townRoot), { busyTimeoutMs: ms(settings.store.busy_timeout) }),
  );
}
