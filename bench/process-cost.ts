import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { countDynamoDbRequests, type RequestCounts } from '../fixtures/count-dynamodb-requests';
import { round } from '../fixtures/stats';
import { distinctEvents, seededRandom, shuffle, toQueuedMessage, toSqsBatches } from '../fixtures/workload';
import { DynamoDbEventWriter } from '../lib/adapters/event-writer';
import { SummaryProjector } from '../lib/adapters/summary-projector';
import { recordingPartitionKey } from '../lib/adapters/table-layout';
import { parseJsonObject } from '../lib/json';
import type { RecordingEvent } from '../lib/model/events';
import { decodeQueuedCallback } from '../lib/model/queued-callback';
import { type AppliedEvent, deriveRecordingState, eventSortKey } from '../lib/model/recording-state';
import { createSqsProcessHandler } from '../lib/process/sqs-handler';
import { createStreamProjectHandler, isNewEventRecord } from '../lib/project/stream-handler';
import { createProviderRegistry, STATUS_RULES } from '../lib/providers/registry';
import { localClientConfig } from '../local/emulators';
import { StreamPoller } from '../local/stream-poller';
import { transactionStore } from './view-alternatives';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface ProcessFigures {
  implementation: string;
  distinctEvents: number;
  duplicates: number;
  readsPerDistinct: number;
  writesPerDistinct: number;
  readsPerDuplicate: number;
  writesPerDuplicate: number;
  eventsPerSecond: number;
  batchFailures: number;
}

const CONTEXT = {
  functionName: 'bench',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
const providers = createProviderRegistry();
const silent = new Logger({ logLevel: 'SILENT' });

function countingDocumentClient(endpoint: string): {
  client: DynamoDBDocumentClient;
  raw: DynamoDBClient;
  counts: RequestCounts;
} {
  const raw = new DynamoDBClient(localClientConfig(endpoint));
  const counts = countDynamoDbRequests(raw);
  return {
    raw,
    counts,
    client: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
  };
}

function interpret(body: string): RecordingEvent {
  const callback = decodeQueuedCallback(body);
  const result = providers.get(callback.endpoint)?.interpret({
    appId: callback.appId,
    query: callback.query,
    body: parseJsonObject(callback.body),
  });
  if (result?.kind !== 'event' || result.event.kind !== 'recording')
    throw new Error('bench workload is recording events only');
  return result.event;
}

/**
 * The standard AWS approach, for comparison: Powertools idempotency (DynamoDB persistence) keyed on
 * the same dedupe identity, wrapping a read-modify-write upsert of one summary item per recording.
 * Records go one at a time (`processInParallel: false`): a read-modify-write is not safe for two
 * events of one recording in parallel.
 */
export function createBaselineHandler(
  client: DynamoDBDocumentClient,
  raw: DynamoDBClient,
  tableName: string,
  idempotencyTable: string,
): SqsHandler {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'idempotencyKey' });
  const upsert = makeIdempotent(
    async (input: { idempotencyKey: string; event: RecordingEvent }) => {
      const key = { pk: recordingPartitionKey(input.event), sk: 'SUMMARY' };
      const existing = await client.send(new GetCommand({ TableName: tableName, Key: key }));
      const events = [
        ...((existing.Item?.events as AppliedEvent[] | undefined) ?? []),
        { ...input.event, eventId: input.event.eventId, appliedAt: Date.now() },
      ];
      const state = deriveRecordingState(input.event, events, {
        now: Date.now(),
        staleAfterMs: 6 * 3_600_000,
        rules: STATUS_RULES,
      });
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...key, events, status: state.status, files: state.files, eventCount: state.eventCount },
        }),
      );
      return state.status;
    },
    { persistenceStore: new DynamoDBPersistenceLayer({ tableName: idempotencyTable, awsSdkV3Client: raw }), config },
  );
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = (record: SQSRecord) => {
    const event = interpret(record.body);
    return upsert({ idempotencyKey: `${recordingPartitionKey(event)}#${eventSortKey(event)}`, event });
  };
  return async (event, context) => {
    config.registerLambdaContext(context);
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
  };
}

async function runBatches(handler: SqsHandler, messages: string[]): Promise<{ ms: number; failures: number }> {
  let failures = 0;
  const started = performance.now();
  for (const batch of toSqsBatches(messages)) failures += (await handler(batch, CONTEXT)).batchItemFailures.length;
  return { ms: performance.now() - started, failures };
}

/**
 * Requests per distinct event and per duplicate are counted in two passes (distinct, then only
 * duplicates); throughput comes from a third, mixed run: 20% duplicates, shuffled, batches of 10.
 */
export async function measureProcess(
  dynamodbEndpoint: string,
  tables: { recordings: string; idempotency: string; streamArn: string },
  eventCount: number,
): Promise<ProcessFigures[]> {
  const figures: ProcessFigures[] = [];
  const implementations = [
    {
      name: 'rtc-recording-callbacks: process (conditional put per event)',
      build: (client: DynamoDBDocumentClient) =>
        createSqsProcessHandler({
          providers,
          store: new DynamoDbEventWriter({ client, tableName: tables.recordings }),
          logger: silent,
          countOutcome: () => {},
        }),
    },
    {
      name: 'alternative: one transaction per event (event put + summary update)',
      build: (client: DynamoDBDocumentClient) =>
        createSqsProcessHandler({
          providers,
          store: {
            ...transactionStore(client, tables.recordings),
            markStale: () => Promise.reject(new Error('the sweep is not part of this workload')),
          },
          logger: silent,
          countOutcome: () => {},
        }),
    },
    {
      name: 'baseline: Powertools idempotency + read-modify-write',
      build: (client: DynamoDBDocumentClient, raw: DynamoDBClient) =>
        createBaselineHandler(client, raw, tables.recordings, tables.idempotency),
    },
  ];
  const built = implementations.map((implementation) => ({
    ...implementation,
    ...countingDocumentClient(dynamodbEndpoint),
  }));
  const handlers = built.map(({ build, client, raw }) => build(client, raw));
  // Warm DynamoDB Local's JVM (and both code paths) before anything is timed.
  for (const [index, handler] of handlers.entries()) {
    await runBatches(
      handler,
      distinctEvents(300, `warmup-${index}-${Date.now()}`).map(({ sample }) => toQueuedMessage(sample)),
    );
  }
  // From here on: the warm-up's events (and the alternatives' partial items) are not the projector's to count.
  const projector = await projectorReader(dynamodbEndpoint, tables);
  for (const [index, implementation] of built.entries()) {
    const { raw, counts } = implementation;
    const handler = handlers[index] as SqsHandler;
    const start = { ...counts };
    const random = seededRandom(42);
    const namespace = `bench-${index}-${Date.now()}`;

    // Pass 1 and 2: counted.
    const counting = distinctEvents(Math.min(eventCount, 500), `${namespace}-count`);
    await runBatches(
      handler,
      counting.map(({ sample }) => toQueuedMessage(sample)),
    );
    const afterDistinct = { ...counts };
    const duplicates = counting.filter(() => random() < 0.2);
    await runBatches(
      handler,
      duplicates.map(({ redeliver }) => toQueuedMessage(redeliver())),
    );
    const afterDuplicates = { ...counts };
    const perDistinct = (n: number) => round(n / counting.length, 3);
    const perDuplicate = (n: number) => round(n / Math.max(1, duplicates.length), 3);
    // Our design's second half: the stream projector's upkeep of summaries and file items for the
    // same events (duplicates never reach the stream: the refused put writes nothing).
    const projectorCounted = index === 0 ? await projector.drainCounted() : undefined;

    // Pass 3: throughput on the mixed, shuffled workload.
    const workload = distinctEvents(eventCount, `${namespace}-mix`);
    const messages = workload.map(({ sample }) => toQueuedMessage(sample));
    for (const { redeliver } of workload) if (random() < 0.25) messages.push(toQueuedMessage(redeliver()));
    shuffle(messages, random);
    const { ms, failures } = await runBatches(handler, messages);
    const projected = index === 0 ? await projector.drainCounted() : undefined;

    figures.push({
      implementation: implementation.name,
      distinctEvents: counting.length,
      duplicates: duplicates.length,
      readsPerDistinct: perDistinct(afterDistinct.reads - start.reads),
      writesPerDistinct: perDistinct(afterDistinct.writes - start.writes),
      readsPerDuplicate: perDuplicate(afterDuplicates.reads - afterDistinct.reads),
      writesPerDuplicate: perDuplicate(afterDuplicates.writes - afterDistinct.writes),
      eventsPerSecond: round((messages.length / ms) * 1000, 1),
      batchFailures: failures,
    });
    if (projectorCounted && projected) {
      figures.push({
        implementation: 'rtc-recording-callbacks: projector (summary and file items, from the stream)',
        distinctEvents: counting.length,
        duplicates: duplicates.length,
        readsPerDistinct: perDistinct(projectorCounted.reads),
        writesPerDistinct: perDistinct(projectorCounted.writes),
        readsPerDuplicate: 0,
        writesPerDuplicate: 0,
        eventsPerSecond: round((workload.length / projected.ms) * 1000, 1),
        batchFailures: projected.failures,
      });
    }
    raw.destroy();
  }
  projector.stop();
  return figures;
}

/** A stream reader driving the real projector through a counting client, from now on. */
async function projectorReader(endpoint: string, tables: { recordings: string; streamArn: string }) {
  const { client, raw, counts } = countingDocumentClient(endpoint);
  const streams = new DynamoDBStreamsClient(localClientConfig(endpoint));
  let failures = 0;
  const handler = createStreamProjectHandler({
    projector: new SummaryProjector({ statusRules: STATUS_RULES, client, tableName: tables.recordings }),
    logger: silent,
    countOutcome: () => {
      failures += 1;
    },
  });
  const reader = new StreamPoller({
    client: streams,
    streamArn: tables.streamArn,
    handler,
    filter: isNewEventRecord,
    startingPosition: 'LATEST',
    batchSize: 100,
  });
  await reader.initialize();
  return {
    /** Projects everything new; the requests it took and how long. */
    async drainCounted() {
      const before = { ...counts };
      const started = performance.now();
      await reader.drain(600_000);
      return {
        reads: counts.reads - before.reads,
        writes: counts.writes - before.writes,
        ms: performance.now() - started,
        failures,
      };
    },
    stop() {
      streams.destroy();
      raw.destroy();
    },
  };
}
