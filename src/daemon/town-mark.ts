// Which town a daemon serves, told by its marker file (mayor/town.json) as the daemon found it
// at its start (device, inode and birth time: an inode number may be reused at once): a town
// removed, or removed and made again at the same path, is not its town.
import { statSync } from 'node:fs';
import { townPaths } from '../town/layout.js';

export interface TownMark {
  /** Whether the town found at the start is still there. */
  present(): boolean;
}

function identity(file: string): string | undefined {
  try {
    const st = statSync(file);
    return `${st.dev}:${st.ino}:${st.birthtimeMs}`;
  } catch {
    return undefined;
  }
}

export function townMark(root: string): TownMark {
  const marker = townPaths(root).marker;
  const first = identity(marker);
  return { present: () => first !== undefined && identity(marker) === first };
}
