import { defineConfig } from 'vitest/config';

// Every log line and metric of the whole suite, at DEBUG, goes to one file that
// scripts/check-log-hygiene.ts scans after the run (test/helpers/capture-logs.ts).
// Loading this config writes nothing: scripts/reset-captures.ts empties that file and the reliability
// figures before `npm test` and `npm run reliability` start vitest.
const LOG_CAPTURE_FILE = process.env.LOG_CAPTURE_FILE ?? 'reliability/test-logs.jsonl';
const env = {
  POWERTOOLS_LOG_LEVEL: 'DEBUG',
  POWERTOOLS_DEV: 'false',
  POWERTOOLS_METRICS_DISABLED: 'false',
  LOG_CAPTURE_FILE,
};
const setupFiles = ['test/helpers/capture-logs.ts'];

export default defineConfig({
  test: {
    env,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], env, setupFiles } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          env,
          setupFiles,
          // One emulator pair for the whole run, started once and shared by every file.
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          env,
          setupFiles,
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 900_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          env,
          setupFiles,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
