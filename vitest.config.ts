import { defineConfig } from 'vitest/config';

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
  },
});
