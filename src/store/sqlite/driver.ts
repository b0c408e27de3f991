// better-sqlite3, opened with its addon named by path.
//
// The gt bundle carries the driver's JavaScript, so a start resolves no module for it;
// naming the addon spares the driver its own search of a dozen candidate paths. The
// addon is looked for in node_modules of each folder above this file (where npm puts
// it); if that fails the driver searches as usual.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ADDON = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

let addon: string | null | undefined;

function findAddon(): string | undefined {
  if (addon === undefined) {
    addon = null;
    for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
      const candidate = join(dir, ADDON);
      if (existsSync(candidate)) {
        addon = candidate;
        break;
      }
      if (dirname(dir) === dir) break;
    }
  }
  return addon ?? undefined;
}

export type SqliteDatabase = Database.Database;

export function openSqlite(file: string, options: Database.Options = {}): SqliteDatabase {
  return new Database(file, { ...options, nativeBinding: findAddon() });
}
