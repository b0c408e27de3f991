import { defineConfig } from 'vitest/config';
import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';

/**
 * The files that take longest (a minute or more: a real npm install, the real agent CLIs, the
 * storms) go first, so that the two workers finish together instead of one running the last
 * long file alone; the rest in vitest's own order.
 */
const SLOW_FIRST = [
  /test\/package\/install\./,
  /test\/e2e\/opencode/,
  /test\/e2e\/gemini/,
  /test\/reliability\/(nudge-storm|injection|paths|crash)\./,
  /test\/e2e\/spend\./,
  /test\/e2e\/claude/,
  /test\/daemon\/(postgres-hosts|lifecycle)\./,
  /test\/e2e\//,
];

class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const at = SLOW_FIRST.findIndex((re) => re.test(f.moduleId));
      return at < 0 ? SLOW_FIRST.length : at;
    };
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two files at a time: the suite's real-CLI files spend most of their time waiting on the
    // CLIs and tmux, so two at a time take ~11 minutes where one at a time takes ~16.
    maxWorkers: 2,
    minWorkers: 1,
    sequence: { sequencer: SlowFirst },
  },
});
