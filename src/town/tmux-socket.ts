// The tmux server a town's sessions live on. By default each town has its own, named after
// the town and a hash of its real path, so two towns on one machine never share sessions.
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { sha256Hex } from '../util/hash.js';

/** The socket name `tmux.socket` stands for: `auto` is derived from the town, anything else as given. */
export function townSocket(root: string, configured: string): string {
  if (configured !== 'auto') return configured;
  let real = root;
  try {
    real = realpathSync(root);
  } catch {
    // a town that is not there (yet) still gets a stable name from its given path
  }
  const name = basename(real)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 24);
  return `gt-${name || 'town'}-${sha256Hex(real).slice(0, 6)}`;
}
