import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/postgres-cluster.ts', 'test/support/secret-service.ts', 'test/support/renderer-build.ts', 'test/support/server-files.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: file-level parallelism beyond two only adds contention to the database tests.
    maxWorkers: 2,
  },
});
