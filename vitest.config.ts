import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One file at a time (the default on two cores). Two at a time takes the suite from ~16 to
    // ~11 minutes, but the dashboard's browser test then sometimes nudges a stand-in agent in the
    // instant its session is replaced by a handoff, and that nudge fails.
    maxWorkers: 1,
    minWorkers: 1,
  },
});
