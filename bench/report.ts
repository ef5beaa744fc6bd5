import type { ColdStartFigures } from './cold-start';
import type { IngestFigures } from './ingest-overhead';
import type { LongRecordingFigures } from './long-recording';
import type { ProcessFigures } from './process-cost';

export interface BenchResults {
  mode: string;
  timestamp: string;
  durationSeconds: number;
  machine: { cores: number; cpu: string; node: string };
  ingest: IngestFigures[];
  process: ProcessFigures[];
  coldStart: ColdStartFigures[];
  longRecording: LongRecordingFigures;
}

const verdict = (met: boolean) => (met ? 'met' : '**missed**');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

export function renderMarkdown(results: BenchResults): string {
  const long = results.longRecording;
  const ours = results.process.find((row) => row.implementation.includes('process'));
  const projector = results.process.find((row) => row.implementation.includes('projector'));
  const baseline = results.process.find((row) => row.implementation.startsWith('baseline'));
  const throughputRatio = ours && baseline ? ours.eventsPerSecond / baseline.eventsPerSecond : Number.NaN;
  const lines = [
    `## Benchmark (${results.mode}), ${results.timestamp}`,
    `${results.machine.cores} cores, ${results.machine.cpu}, Node ${results.machine.node}; ${results.durationSeconds} s`,
    '',
    '### Ingest overhead (goal: ingest median ≤ 1.2 × bare SendMessage)',
    '| endpoint | requests | ingest median / p99 (ms) | SendMessage median / p99 (ms) | ratio | goal |',
    '|---|---|---|---|---|---|',
    ...results.ingest.map(
      (row) =>
        `| ${row.endpoint} | ${row.requests} | ${row.ingestMedianMs} / ${row.ingestP99Ms} | ${row.sendMessageMedianMs} / ${row.sendMessageP99Ms} | ${row.ratio}× | ${verdict(row.ratio <= 1.2)} |`,
    ),
    '',
    '### Process cost (goals: process ≤ 1.0 write and 0 reads per distinct event; summary upkeep ≤ 1 write per distinct event; throughput ≥ 2 × baseline)',
    '| implementation | reads / writes per distinct | reads / writes per duplicate | events/s (batch 10) | batch failures |',
    '|---|---|---|---|---|',
    ...results.process.map(
      (row) =>
        `| ${row.implementation} | ${row.readsPerDistinct} / ${row.writesPerDistinct} | ${row.readsPerDuplicate} / ${row.writesPerDuplicate} | ${row.eventsPerSecond} | ${row.batchFailures} |`,
    ),
    `Throughput ratio (process): ${throughputRatio.toFixed(2)}× (${verdict(throughputRatio >= 2)}); process writes per distinct event: ${verdict((ours?.writesPerDistinct ?? 9) <= 1 && ours?.readsPerDistinct === 0)}; projector writes per distinct event: ${projector?.writesPerDistinct} (${verdict((projector?.writesPerDistinct ?? 9) <= 1)}).`,
    '',
    '### Cold start (goals: ingest bundle ≤ 250 KB, init ≤ 60 ms)',
    '| function | AWS SDK | bundle | init median (ms) | biggest contributors | goal |',
    '|---|---|---|---|---|---|',
    ...results.coldStart.map(
      (row) =>
        `| ${row.function} | ${row.sdk === 'bundled' ? 'bundled (deployed)' : 'runtime-provided (alternative)'} | ${kb(row.bundleBytes)} | ${row.initMedianMs} (${row.initRuns} runs) | ${row.topContributors.map((c) => `${c.name} ${kb(c.bytes)}`).join(', ')} | ${row.function === 'ingest' ? verdict(row.bundleBytes <= 250 * 1024 && row.initMedianMs <= 60) : `init ${verdict(row.initMedianMs <= 60)}`} |`,
    ),
    '',
    '### Long recording (goals: 0 errors; GET ≤ 2 × a 5-event task; response ≤ 64 KB)',
    '| design | slices | errors | apply / project (s) | GET long / short median (ms) | ratio | response | goal |',
    '|---|---|---|---|---|---|---|---|',
    `| summary + paged files (this release) | ${long.slices} | ${long.errors} | ${long.applySeconds} / ${long.projectSeconds} | ${long.getLongMedianMs} / ${long.getShortMedianMs} | ${long.ratio}× | ${kb(long.responseBytes)} | errors ${verdict(long.errors === 0)}, GET ${verdict(long.ratio <= 2 && long.responseBytes <= 64 * 1024)} |`,
    `| derive on read (previous release) | ${long.slices} | – | – | ${long.previous.getLongMedianMs} / ${long.previous.getShortMedianMs} | ${long.previous.ratio}× | ${kb(long.previous.responseBytes)} | GET ${verdict(long.previous.ratio <= 2)} |`,
  ];
  return lines.join('\n');
}
