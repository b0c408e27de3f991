// What an agent's record keeps across its deaths, on a real SQLite store.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as record from '../../src/agents/record.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { formatAddress, parseIdentity } from '../../src/town/identity.js';
import { tempDir } from '../helpers/temp.js';

describe('an agent’s last words', () => {
  it('a death whose screen was read empty keeps the words of the one before; a new death’s words replace them', async () => {
    const store = SqliteStore.open(join(tempDir('store'), '.gt', 'town.db'));
    try {
      const max = formatAddress(parseIdentity('alpha/crew/max'));
      await record.exited(store, max, { lastExit: 'fatal: no key', at: 1_000 });
      const silent = await record.exited(store, max, { lastExit: '', at: 2_000 });
      expect([silent.lastExit, silent.lastExitAt, silent.activity]).toEqual([
        'fatal: no key',
        2_000,
        'exited',
      ]);
      const again = await record.exited(store, max, { lastExit: 'panic: other', at: 3_000 });
      expect([again.lastExit, again.lastExitAt]).toEqual(['panic: other', 3_000]);
    } finally {
      await store.close();
    }
  });
});
