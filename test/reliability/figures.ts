import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where each reliability test appends its figures; RELIABILITY.md is written from this file. */
export const FIGURES_FILE = process.env.RELIABILITY_FIGURES_FILE ?? 'reliability/figures.jsonl';

/** Scale: the short version runs in `npm test`, the full one with `npm run reliability`. */
export const FULL = process.env.RELIABILITY_FULL === '1';

export function recordFigures(test: string, figures: Record<string, unknown>): void {
  mkdirSync(dirname(FIGURES_FILE), { recursive: true });
  appendFileSync(FIGURES_FILE, `${JSON.stringify({ test, at: new Date().toISOString(), full: FULL, ...figures })}\n`);
  console.log(`${test}: ${JSON.stringify(figures)}`);
}
