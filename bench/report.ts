import type { ColdStartFigures } from './cold-start';
import type { CostFigures, PRICES_USD } from './cost';
import type { IngestFigures } from './ingest-overhead';
import type { LongRecordingFigures } from './long-recording';
import type { ProcessFigures } from './process-cost';

export interface BenchResults {
  mode: string;
  timestamp: string;
  durationSeconds: number;
  machine: { cores: number; cpu: string; node: string };
  ingest: (IngestFigures & { cpuMicrosPerRequest: number })[];
  process: ProcessFigures[];
  coldStart: ColdStartFigures[];
  longRecording: LongRecordingFigures;
  cost: { prices: typeof PRICES_USD; perMillionCallbacks: CostFigures[] };
}

/** Issue 13's goals for ingest. */
export const INGEST_GOALS = {
  bundleBytes: 100 * 1024,
  initMs: 25,
  initVsBaseline: 0.35,
  ratio: 1.1,
  cpuMicros: 20,
} as const;

const verdict = (met: boolean) => (met ? 'met' : '**missed**');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

export function renderMarkdown(results: BenchResults): string {
  const long = results.longRecording;
  const ours = results.process.find((row) => row.implementation.includes('process'));
  const projector = results.process.find((row) => row.implementation.includes('projector'));
  const baseline = results.process.find((row) => row.implementation.startsWith('baseline'));
  const throughputRatio = ours && baseline ? ours.eventsPerSecond / baseline.eventsPerSecond : Number.NaN;
  const ingestInit = results.coldStart.find((row) => row.function === 'ingest' && row.variant === 'deployed');
  const baselineInit = results.coldStart.find((row) => row.function === 'ingest' && row.variant === 'baseline');
  const initRatio = ingestInit && baselineInit ? ingestInit.initMedianMs / baselineInit.initMedianMs : Number.NaN;
  const [ourCost, baselineCost] = results.cost.perMillionCallbacks;
  const usd = (value: number) => `$${value.toFixed(3)}`;
  const lines = [
    `## Benchmark (${results.mode}), ${results.timestamp}`,
    `${results.machine.cores} cores, ${results.machine.cpu}, Node ${results.machine.node}; ${results.durationSeconds} s`,
    '',
    `### Ingest overhead (goals: ingest median ≤ ${INGEST_GOALS.ratio} × bare SendMessage; own CPU ≤ ${INGEST_GOALS.cpuMicros} µs per request)`,
    '| endpoint | requests | ingest median / p99 (ms) | SendMessage median / p99 (ms) | ratio | own CPU per request (µs, no-op queue) | SDK SendMessage median (ms) | goal |',
    '|---|---|---|---|---|---|---|---|',
    ...results.ingest.map(
      (row) =>
        `| ${row.endpoint} | ${row.requests} | ${row.ingestMedianMs} / ${row.ingestP99Ms} | ${row.sendMessageMedianMs} / ${row.sendMessageP99Ms} | ${row.ratio}× | ${row.cpuMicrosPerRequest} | ${row.sdkSendMessageMedianMs} | ratio ${verdict(row.ratio <= INGEST_GOALS.ratio)}, CPU ${verdict(row.cpuMicrosPerRequest <= INGEST_GOALS.cpuMicros)} |`,
    ),
    'SendMessage: the same signed JSON request ingest makes, through the same client. SDK SendMessage: the AWS SDK v3 client, for reference.',
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
    `### Cold start (goals: ingest bundle ≤ ${kb(INGEST_GOALS.bundleBytes)}, init ≤ ${INGEST_GOALS.initMs} ms and ≤ ${INGEST_GOALS.initVsBaseline} × the baseline's, same run)`,
    '| function | bundle | init median (ms) | biggest contributors | goal |',
    '|---|---|---|---|---|',
    ...results.coldStart.map(
      (row) =>
        `| ${row.function}${row.variant === 'baseline' ? ' (baseline: AWS SDK bundled, as before)' : ''} | ${kb(row.bundleBytes)} | ${row.initMedianMs} (${row.initRuns} runs) | ${row.topContributors.map((c) => `${c.name} ${kb(c.bytes)}`).join(', ')} | ${row.function === 'ingest' && row.variant === 'deployed' ? `size ${verdict(row.bundleBytes <= INGEST_GOALS.bundleBytes)}, init ${verdict(row.initMedianMs <= INGEST_GOALS.initMs)}, ${initRatio.toFixed(2)}× baseline ${verdict(initRatio <= INGEST_GOALS.initVsBaseline)}` : ''} |`,
    ),
    '',
    '### Long recording (goals: 0 errors; GET ≤ 2 × a 5-event task; response ≤ 64 KB)',
    '| design | slices | errors | apply / project (s) | GET long / short median (ms) | ratio | response | goal |',
    '|---|---|---|---|---|---|---|---|',
    `| summary + paged files (this release) | ${long.slices} | ${long.errors} | ${long.applySeconds} / ${long.projectSeconds} | ${long.getLongMedianMs} / ${long.getShortMedianMs} | ${long.ratio}× | ${kb(long.responseBytes)} | errors ${verdict(long.errors === 0)}, GET ${verdict(long.ratio <= 2 && long.responseBytes <= 64 * 1024)} |`,
    `| derive on read (previous release) | ${long.slices} | – | – | ${long.previous.getLongMedianMs} / ${long.previous.getShortMedianMs} | ${long.previous.ratio}× | ${kb(long.previous.responseBytes)} | GET ${verdict(long.previous.ratio <= 2)} |`,
    '',
    `### Cost per million callbacks (AWS list prices, ${results.cost.prices.region}, arm64, prices of ${results.cost.prices.date}; ${(0.2 * 100).toFixed(0)}% vendor retries)`,
    '| implementation | API Gateway | Lambda requests | Lambda GB-s | SQS | DynamoDB | total | from |',
    '|---|---|---|---|---|---|---|---|',
    ...results.cost.perMillionCallbacks.map(
      (row) =>
        `| ${row.implementation} | ${usd(row.apiGateway)} | ${usd(row.lambdaRequests)} | ${usd(row.lambdaCompute)} | ${usd(row.sqs)} | ${usd(row.dynamoDb)} | **${usd(row.total)}** | ingest ${row.inputs.ingestMs} ms, process ${row.inputs.processMsPerBatch} ms per batch of 10, ${row.inputs.writesPerCallback} writes + ${row.inputs.readsPerCallback} reads, ${row.inputs.sqsRequestsPerCallback} SQS requests per callback |`,
    ),
    ourCost && baselineCost
      ? `Ours costs ${(ourCost.total / baselineCost.total).toFixed(2)}× the baseline per callback.`
      : '',
  ];
  return lines.join('\n');
}
