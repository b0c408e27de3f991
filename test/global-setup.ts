// Builds dist/ once before the suite (CLI tests spawn the real `gt`), and after the
// suite fails the run if a test left a temp dir or a tmux server behind.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { tempPrefix, tmuxSocketDir } from './helpers/names.js';

function leftovers(): string[] {
  const prefix = tempPrefix();
  const found: string[] = [];
  for (const name of readdirSync(tmpdir()))
    if (name.startsWith(prefix)) found.push(`temp dir ${name}`);
  try {
    for (const name of readdirSync(tmuxSocketDir())) {
      if (name.startsWith(prefix)) found.push(`tmux socket ${name}`);
    }
  } catch {
    // no tmux socket dir: nothing leaked there
  }
  return found;
}

export function setup(): () => void {
  process.env.GT_TEST_RUN = randomBytes(3).toString('hex');
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const before = new Set(leftovers());
  return () => {
    const leaked = leftovers().filter((item) => !before.has(item));
    if (leaked.length > 0) throw new Error(`tests leaked: ${leaked.join(', ')}`);
  };
}
