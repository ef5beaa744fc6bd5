import { mkdirSync, writeFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Every log line and metric of the whole suite, at DEBUG, goes to one file that
// scripts/check-log-hygiene.ts scans after the run (test/helpers/capture-logs.ts).
const LOG_CAPTURE_FILE = process.env.LOG_CAPTURE_FILE ?? 'reliability/test-logs.jsonl';
mkdirSync('reliability', { recursive: true });
writeFileSync(LOG_CAPTURE_FILE, '');
// Figures the reliability tests record for RELIABILITY.md (test/reliability/figures.ts).
writeFileSync(process.env.RELIABILITY_FIGURES_FILE ?? 'reliability/figures.jsonl', '');
const env = {
  POWERTOOLS_LOG_LEVEL: 'DEBUG',
  POWERTOOLS_DEV: 'false',
  POWERTOOLS_METRICS_DISABLED: 'false',
  LOG_CAPTURE_FILE,
};
const setupFiles = ['test/helpers/capture-logs.ts'];

export default defineConfig({
  test: {
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
