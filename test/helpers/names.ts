// Names of what tests create, shared by the helpers and the global setup (which may not import vitest).
import { join } from 'node:path';

/** Names made by this test run start with this; the run id keeps concurrent runs apart. */
export function tempPrefix(): string {
  return `gtt-${process.env.GT_TEST_RUN ?? 'adhoc'}-`;
}

export function tmuxSocketDir(): string {
  const uid = process.getuid?.() ?? 0;
  return join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`);
}
