/**
 * Empties the files a test run appends to: every log line of the suite (scripts/check-log-hygiene.ts
 * scans it afterwards) and the reliability figures (scripts/reliability-report.ts prints them). Run
 * by `npm test` and `npm run reliability` before vitest, so that merely loading vitest.config.ts (an
 * editor's extension, `vitest list`) never wipes a previous run's files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// The same defaults as vitest.config.ts and test/reliability/figures.ts.
const files = [
  process.env.LOG_CAPTURE_FILE ?? 'reliability/test-logs.jsonl',
  process.env.RELIABILITY_FIGURES_FILE ?? 'reliability/figures.jsonl',
];
for (const file of files) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '');
}
