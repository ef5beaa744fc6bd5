import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TestProject } from 'vitest/node';
import { FIGURES_FILE } from '../reliability/figures';

/**
 * Root global setup: empties the files a run appends to, once, when a `vitest run` starts, so that
 * merely loading vitest.config.ts (an editor's extension, `vitest list`) never wipes the previous
 * run's logs and figures. After the run, scripts/check-log-hygiene.ts reads the log file and
 * scripts/reliability-report.ts the figures.
 */
export default function setup(project: TestProject): void {
  // Every log line and metric of the whole suite (test/helpers/capture-logs.ts).
  const logCaptureFile = project.config.env.LOG_CAPTURE_FILE ?? 'reliability/test-logs.jsonl';
  // Figures the reliability tests record for RELIABILITY.md (test/reliability/figures.ts).
  for (const file of [logCaptureFile, FIGURES_FILE]) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
  }
}
