import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One file at a time on two cores (the default here). Two at a time took the suite from
    // 16.5 to 10 minutes, but under that load Gemini CLI sometimes answers its trust dialog
    // without restarting: it then runs without its hooks and --yolo, and prompts go unacknowledged.
    maxWorkers: 1,
    minWorkers: 1,
  },
});
