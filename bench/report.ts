import type { ColdStartFigures } from './cold-start';
import type { CostFigures, PRICES_USD } from './cost';
import type { IngestFigures } from './ingest-overhead';
import type { LongRecordingFigures } from './long-recording';
import type { ProcessFigures } from './process-cost';
import type { RealCadenceFigures } from './real-cadence';

export interface BenchResults {
  mode: string;
  timestamp: string;
  durationSeconds: number;
  machine: { cores: number; cpu: string; node: string };
  ingest: (IngestFigures & { cpuMicrosPerRequest: number })[];
  process: ProcessFigures[];
  coldStart: ColdStartFigures[];
  longRecording: LongRecordingFigures;
  realCadence: RealCadenceFigures;
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
    '',
    ...renderRealCadence(results.realCadence),
  ];
  return lines.join('\n');
}

/** Issue 22's goals at real cadence. */
export const REAL_CADENCE_GOALS = {
  writeUnitsPerSlice: 3,
  writeUnitsPerFilelessEvent: 2,
  costPerMillionUsd: 2.5,
} as const;

function renderRealCadence(cadence: RealCadenceFigures): string[] {
  const usd = (value: number) => `$${value.toFixed(3)}`;
  const classes = cadence.breakdown.filter((row) => row.callbacks > 0);
  const targets = [
    ...new Map(
      classes.flatMap((row) => row.rows).map((row) => [`${row.stage}|${row.kind}|${row.target}`, row] as const),
    ).values(),
  ];
  const cell = (name: string, id: string) => {
    const row = classes.find((c) => c.class === name)?.rows.find((r) => `${r.stage}|${r.kind}|${r.target}` === id);
    return row ? `${row.writeUnits} / ${row.readUnits}` : '–';
  };
  const goals = REAL_CADENCE_GOALS;
  const [ours, baseline] = cadence.cost;
  return [
    `### Real cadence (goals: ≤ ${goals.writeUnitsPerSlice} write units per slice, ≤ ${goals.writeUnitsPerFilelessEvent} per event naming no file, ≤ $${goals.costPerMillionUsd} per million callbacks and below the baseline)`,
    `${cadence.recordings} TRTC recordings at once, ${cadence.slicesPerRecording} slices each, one every 10 s (compressed: ${cadence.ticks} ticks of the deployed 1 s batching); ${cadence.callbacks} callbacks, ${cadence.errors} errors, ${cadence.published} status changes published; ${cadence.seconds.ours} s ours, ${cadence.seconds.baseline} s baseline (${cadence.baselineRecordings} of the recordings: its units per callback depend on a recording's length, not on how many run at once).`,
    'Write / read units per callback of each class, by stage, item kind (sort-key prefix) and target (the item, or its entry in an index); consumed capacity as DynamoDB Local reports it (`ReturnConsumedCapacity: INDEXES`).',
    `| stage | item | target | ${classes.map((row) => `${row.class} (${row.callbacks})`).join(' | ')} |`,
    `|---|---|---|${classes.map(() => '---|').join('')}`,
    ...targets.map(
      (row) =>
        `| ${row.stage} | ${row.kind} | ${row.target} | ${classes.map((c) => cell(c.class, `${row.stage}|${row.kind}|${row.target}`)).join(' | ')} |`,
    ),
    `| **all** | | | ${classes.map((row) => `**${row.writeUnits} / ${row.readUnits}**`).join(' | ')} |`,
    `Write units per slice: **${cadence.writeUnitsPerSlice}** (${verdict(cadence.writeUnitsPerSlice <= goals.writeUnitsPerSlice)}; ${cadence.writeUnitsPerSliceFirstPageFull} once the first page of files is full); per event naming no file: **${cadence.writeUnitsPerFilelessEvent}** (${verdict(cadence.writeUnitsPerFilelessEvent <= goals.writeUnitsPerFilelessEvent)}; ${cadence.writeUnitsPerFilelessEventSameStatus} for one that leaves the status as it was: a status change moves the recording in \`byTime\`, whose key holds the status).`,
    `Baseline, same schedule: ${cadence.baselineBreakdown.map((row) => `${row.class} ${row.writeUnits} / ${row.readUnits}`).join('; ')} write / read units per callback.`,
    `Cross-check, every write to the table: ${cadence.crossCheck.map((row) => `${row.kind} ${row.target} ${row.reported} reported / ${row.computed} computed from the stream's images`).join('; ')}.`,
    '',
    '| implementation | API Gateway | Lambda requests | Lambda GB-s | SQS | DynamoDB | total | from |',
    '|---|---|---|---|---|---|---|---|',
    ...cadence.cost.map(
      (row) =>
        `| ${row.implementation} | ${usd(row.apiGateway)} | ${usd(row.lambdaRequests)} | ${usd(row.lambdaCompute)} | ${usd(row.sqs)} | ${usd(row.dynamoDb)} | **${usd(row.total)}** | ${row.inputs.writeUnitsPerCallback} write + ${row.inputs.readUnitsPerCallback} read units, invocations ${Object.entries(
          row.inputs.invocationsPerCallback,
        )
          .map(([name, value]) => `${name} ${value}`)
          .join(', ')} and billed ms ${Object.entries(row.inputs.billedMsPerCallback)
          .map(([name, value]) => `${name} ${value}`)
          .join(', ')} per callback, ${row.inputs.sqsRequestsPerCallback} SQS requests |`,
    ),
    ours && baseline
      ? `Ours: ${usd(ours.total)} per million (${verdict(ours.total <= goals.costPerMillionUsd)}), ${(ours.total / baseline.total).toFixed(2)}× the baseline (${verdict(ours.total < baseline.total)}).`
      : '',
  ];
}
