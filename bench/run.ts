/**
 * npm run bench [-- --quick | --smoke] [--out FILE]
 *
 * Measures, in one run on one machine: ingest overhead against a bare SendMessage, process cost
 * against a Powertools-idempotency baseline, bundle size and init time, and a day-long recording.
 * Writes a markdown table to stdout and every figure to bench/results.json (a full run) or
 * bench/.out/results-<mode>.json (quick, smoke), so a trial run never overwrites the committed figures.
 * See BENCHMARKS.md.
 */
import './quiet-env';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isNewEventRecord } from '../lib/project/stream-handler';
import {
  handlerEnvironment,
  localClientConfig,
  provisionLocalResources,
  startDynamoDbLocal,
  startSqsEmulator,
} from '../local/emulators';
import type { SqsHandler } from '../local/sqs-poller';
import { type StreamHandler, StreamPoller } from '../local/stream-poller';
import { measureColdStart } from './cold-start';
import { computeCosts, PRICES_USD } from './cost';
import { measureIngestCpu } from './ingest-cpu';
import { measureIngest } from './ingest-overhead';
import { measureLongRecording } from './long-recording';
import { measureProcess } from './process-cost';
import { measureRealCadence } from './real-cadence';
import { renderMarkdown } from './report';

const MODES = {
  // Real cadence: 1,000 recordings at once for 20 minutes of slices (past LISTING_STEP_MS, so the listing moves).
  full: { ingestRequests: 2000, processEvents: 5000, slices: 8640, initRuns: 20, cadence: [1000, 120, 200] },
  quick: { ingestRequests: 300, processEvents: 1000, slices: 2000, initRuns: 8, cadence: [200, 120, 200] },
  // For the smoke test in `npm test`: every section runs, on tiny numbers.
  smoke: { ingestRequests: 20, processEvents: 60, slices: 50, initRuns: 2, cadence: [10, 6, 10] },
} as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
  // Only a full run replaces the committed figures; a quick or smoke run writes beside them, untracked.
  const out = values.out ?? (mode === 'full' ? 'bench/results.json' : `bench/.out/results-${mode}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const sizes = MODES[mode];
  const started = Date.now();
  const log = (line: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);

  log(`mode ${mode}: starting DynamoDB Local and fauxqs`);
  const [dynamodb, sqs] = await Promise.all([startDynamoDbLocal(), startSqsEmulator()]);
  try {
    const resources = await provisionLocalResources({ dynamodb: dynamodb.endpoint, sqs: sqs.endpoint });
    const idempotencyTable = 'idempotency';
    const admin = new DynamoDBClient(localClientConfig(dynamodb.endpoint));
    await admin.send(
      new CreateTableCommand({
        TableName: idempotencyTable,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    admin.destroy();
    Object.assign(
      process.env,
      handlerEnvironment({ dynamodb: dynamodb.endpoint, sqs: sqs.endpoint }, resources, 'config/apps.local.json'),
    );
    const ingest = await import('../functions/ingest');
    const processFunction = await import('../functions/process');
    const projectFunction = await import('../functions/project');
    const query = await import('../functions/query');
    const viewClient = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(dynamodb.endpoint)), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const streams = new DynamoDBStreamsClient(localClientConfig(dynamodb.endpoint));
    const projector = new StreamPoller({
      client: streams,
      streamArn: resources.streamArn,
      handler: projectFunction.handler as StreamHandler,
      filter: isNewEventRecord,
      startingPosition: 'LATEST',
    });

    log(`ingest: ${sizes.ingestRequests} signed requests per endpoint, interleaved with bare SendMessage`);
    const ingestTimings = await measureIngest(ingest.handler, resources.queueUrl, sizes.ingestRequests);
    log('ingest: own CPU per request, no-op queue');
    const cpu = await measureIngestCpu(sizes.ingestRequests);
    const ingestFigures = ingestTimings.map((row) => ({
      ...row,
      cpuMicrosPerRequest: cpu.find((figure) => figure.endpoint === row.endpoint)?.cpuMicrosPerRequest ?? Number.NaN,
    }));
    log(`process: ${sizes.processEvents} events, 20% duplicates, shuffled, ours vs the idempotency baseline`);
    const processFigures = await measureProcess(
      dynamodb.endpoint,
      { recordings: resources.tableName, idempotency: idempotencyTable, streamArn: resources.streamArn },
      sizes.processEvents,
    );
    log(`cold start: bundling, then ${sizes.initRuns} fresh node processes per function`);
    const coldStart = await measureColdStart(sizes.initRuns);
    log(`long recording: ${sizes.slices} distinct 307 slices on one task`);
    await projector.initialize();
    const longRecording = await measureLongRecording(
      processFunction.handler as SqsHandler,
      query.handler as (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>,
      { project: () => projector.drain(600_000), client: viewClient, tableName: resources.tableName },
      sizes.slices,
    );
    streams.destroy();
    const [cadenceRecordings, cadenceSlices, baselineRecordings] = sizes.cadence;
    log(`real cadence: ${cadenceRecordings} recordings at once, a slice each every 10 s, ${cadenceSlices} slices each`);
    const realCadence = await measureRealCadence({
      dynamodbEndpoint: dynamodb.endpoint,
      tableName: resources.tableName,
      idempotencyTable,
      streamArn: resources.streamArn,
      recordings: cadenceRecordings,
      baselineRecordings,
      slicesPerRecording: cadenceSlices,
      ingestMs: ingestFigures.reduce((sum, row) => sum + row.ingestMedianMs, 0) / Math.max(1, ingestFigures.length),
      log,
    });

    const results = {
      mode,
      timestamp: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        platform: process.platform,
      },
      ingest: ingestFigures,
      process: processFigures,
      coldStart,
      longRecording,
      realCadence,
      cost: { prices: PRICES_USD, perMillionCallbacks: computeCosts(ingestFigures, processFigures) },
    };
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(renderMarkdown(results));
    log(`done; figures in ${out}`);
  } finally {
    await Promise.all([dynamodb.stop(), sqs.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`bench failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
