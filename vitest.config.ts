import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // the built tree installed where uid 1000 can run it (test/helpers/recording.ts OTHER_BIN)
    globalSetup: ['test/global-setup.ts'],
    // Privileged tests share one kernel: run files one at a time so their
    // processes and probes do not see each other's workload.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
