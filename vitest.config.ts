import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most files wait on real processes (agent CLIs, tmux, daemons) far more than they compute:
    // two at a time on two cores, where the default would run one.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
