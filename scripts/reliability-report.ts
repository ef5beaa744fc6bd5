/** Prints the figures the reliability tests recorded (reliability/figures.jsonl) as a markdown table. */
import { readFileSync } from 'node:fs';

const file = process.env.RELIABILITY_FIGURES_FILE ?? 'reliability/figures.jsonl';
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Record<string, unknown>);
console.log(`| test | scale | figures |\n|---|---|---|`);
for (const { test, full, at: _at, ...figures } of rows) {
  const text = Object.entries(figures)
    .map(([name, value]) => `${name} ${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(', ');
  console.log(`| ${test} | ${full ? 'full' : 'short'} | ${text} |`);
}
