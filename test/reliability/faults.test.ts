import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devKeyFor, loadDevApps } from '../../fixtures/dev-apps';
import type { Sample } from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import { distinctEvents, toQueuedMessage } from '../../fixtures/workload';
import { createSqsClient, SqsCallbackQueue } from '../../lib/adapters/sqs-callback-queue';
import { SummaryProjector } from '../../lib/adapters/summary-projector';
import { handleCallback } from '../../lib/ingest/handle-callback';
import type { ProcessDependencies } from '../../lib/process/process-callback';
import { createSqsProcessHandler } from '../../lib/process/sqs-handler';
import { createStreamProjectHandler, isNewEventRecord } from '../../lib/project/stream-handler';
import { createProviderRegistry, STATUS_RULES } from '../../lib/providers/registry';
import {
  type LocalResources,
  localClientConfig,
  provisionLocalResources,
  type RunningEmulator,
  startDynamoDbLocal,
  startSqsEmulator,
} from '../../local/emulators';
import { findFreePort } from '../../local/free-port';
import { SqsPoller } from '../../local/sqs-poller';
import { StreamPoller } from '../../local/stream-poller';
import { RecordingStore } from '../helpers/recording-store';
import { FULL, recordFigures } from './figures';

const EVENTS = Number(process.env.FAULT_EVENTS ?? (FULL ? 5_000 : 400));
const OUTAGE_SECONDS = Number(process.env.FAULT_OUTAGE_SECONDS ?? (FULL ? 20 : 4));
/**
 * How soon a failed message is retried. AWS uses the queue's 180 s visibility timeout, so five
 * receives span 12 minutes; here five receives must still outlast the outage and DynamoDB Local's
 * restart on a loaded machine (4 × delay, with room to spare: a restart alone took over 3 s under load).
 */
const RETRY_DELAY_SECONDS = OUTAGE_SECONDS;
const silent = new Logger({ logLevel: 'SILENT' });
const providers = createProviderRegistry();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dynamoPort: number;
let dynamoDir: string;
let dynamodb: RunningEmulator;
let sqsPort: number;
let sqs: RunningEmulator;
let resources: LocalResources;
let sqsClient: SQSClient;
let documentClient: DynamoDBDocumentClient;

/** The emulators of this file alone, on fixed ports, DynamoDB persisted to disk so a restart keeps its data. */
beforeAll(async () => {
  [dynamoPort, sqsPort] = await Promise.all([findFreePort(), findFreePort()]);
  dynamoDir = mkdtempSync(join(tmpdir(), 'faults-dynamodb-'));
  [dynamodb, sqs] = await Promise.all([
    startDynamoDbLocal({ port: dynamoPort, persistDir: dynamoDir }),
    startSqsEmulator({ port: sqsPort }),
  ]);
  resources = await provisionLocalResources({ dynamodb: dynamodb.endpoint, sqs: sqs.endpoint });
  sqsClient = new SQSClient({ ...localClientConfig(sqs.endpoint), maxAttempts: 2 });
  documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...localClientConfig(dynamodb.endpoint), maxAttempts: 2 }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
});
afterAll(async () => {
  await Promise.all([dynamodb?.stop(), sqs?.stop()]);
});

const store = () => new RecordingStore({ client: documentClient, tableName: resources.tableName });
/** Folds everything on the table's stream into the summaries, as the projector's event source mapping does. */
const project = async () => {
  const streams = new DynamoDBStreamsClient(localClientConfig(dynamodb.endpoint));
  const handler = createStreamProjectHandler({
    projector: new SummaryProjector({
      statusRules: STATUS_RULES,
      client: documentClient,
      tableName: resources.tableName,
    }),
    logger: silent,
    countOutcome: () => {},
  });
  await new StreamPoller({
    client: streams,
    streamArn: resources.streamArn,
    handler,
    filter: isNewEventRecord,
  }).drain();
  streams.destroy();
};
const processDeps = (overrides: Partial<ProcessDependencies> = {}): ProcessDependencies => ({
  providers,
  store: store(),
  logger: silent,
  countOutcome: () => {},
  ...overrides,
});
const ingestDeps = () => ({
  providers,
  loadApps: loadDevApps,
  queue: new SqsCallbackQueue({
    client: createSqsClient(resources.queueUrl, { ...localClientConfig(sqs.endpoint), maxAttempts: 2 }),
    queueUrl: resources.queueUrl,
  }),
  logger: silent,
  countOutcome: () => {},
});
const ingest = async (sample: Sample) =>
  handleCallback(signTestRequest(sample, { key: await devKeyFor(sample) }), ingestDeps());

async function depth(queueUrl: string): Promise<number> {
  const { Attributes: attributes = {} } = await sqsClient.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(attributes.ApproximateNumberOfMessages) + Number(attributes.ApproximateNumberOfMessagesNotVisible);
}

async function waitUntilEmpty(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await depth(resources.queueUrl)) > 0) {
    if (Date.now() > deadline) throw new Error(`queue still holds ${await depth(resources.queueUrl)} messages`);
    await sleep(250);
  }
}

/**
 * The event items stored for the recordings `expected` names, as `pk|sk`. "Applied exactly once in
 * effect" means exactly one item per distinct event: the stored set equals the expected set.
 */
async function storedEventKeys(expected: Set<string>): Promise<Set<string>> {
  const partitions = new Set([...expected].map((key) => key.split('|')[0]));
  const keys = new Set<string>();
  for await (const page of paginateScan(
    { client: documentClient },
    { TableName: resources.tableName, ProjectionExpression: 'pk, sk' },
  )) {
    for (const item of page.Items ?? []) if (partitions.has(item.pk as string)) keys.add(`${item.pk}|${item.sk}`);
  }
  return keys;
}

async function expectedEventKeys(samples: Sample[]): Promise<Set<string>> {
  const { interpretSample } = await import('../../fixtures/interpret');
  const { recordingPartitionKey } = await import('../../lib/adapters/table-layout');
  const { eventSortKey } = await import('../../lib/model/recording-state');
  return new Set(
    samples
      .map((sample) => interpretSample(sample))
      .map((event) => `${recordingPartitionKey(event)}|${eventSortKey(event)}`),
  );
}

describe('fault injection against the real emulators', () => {
  it(`DynamoDB down for ${OUTAGE_SECONDS} s while ${EVENTS} events flow: each applied once, DLQ empty, none lost`, async () => {
    const namespace = `ddb-outage-${Date.now()}`;
    const workload = distinctEvents(EVENTS, namespace);
    // Every fifth event is also redelivered by the vendor.
    const deliveries = workload.flatMap(({ sample, redeliver }, i) => (i % 5 === 0 ? [sample, redeliver()] : [sample]));
    let failedRecords = 0;
    const handler = createSqsProcessHandler(processDeps());
    const poller = new SqsPoller({
      client: sqsClient,
      queueUrl: resources.queueUrl,
      handler: async (event, context) => {
        try {
          const response = await handler(event, context);
          failedRecords += response.batchItemFailures.length;
          return response;
        } catch (error) {
          // Powertools throws when every record of a batch failed; the whole batch is retried.
          failedRecords += event.Records.length;
          throw error;
        }
      },
      retryDelaySeconds: RETRY_DELAY_SECONDS,
    });
    poller.start();
    const third = Math.ceil(deliveries.length / 3);
    const answers: number[] = [];
    const send = async (batch: Sample[]) => {
      for (const sample of batch) answers.push((await ingest(sample)).answer.statusCode);
    };

    await send(deliveries.slice(0, third));
    const outageStarted = Date.now();
    await dynamodb.stop();
    await send(deliveries.slice(third, 2 * third)); // ingest never touches DynamoDB: still accepted
    await sleep(Math.max(0, OUTAGE_SECONDS * 1000 - (Date.now() - outageStarted)));
    dynamodb = await startDynamoDbLocal({ port: dynamoPort, persistDir: dynamoDir });
    const outageMs = Date.now() - outageStarted;
    await send(deliveries.slice(2 * third));
    await waitUntilEmpty(120_000 + OUTAGE_SECONDS * 1000);
    await poller.stop();

    expect(answers.every((status) => status === 200)).toBe(true);
    const expected = await expectedEventKeys(workload.map(({ sample }) => sample));
    const stored = await storedEventKeys(expected);
    const lost = [...expected].filter((key) => !stored.has(key)).length;
    expect(lost).toBe(0);
    expect(stored.size).toBe(expected.size);
    expect(await depth(resources.deadLetterQueueUrl)).toBe(0);
    expect(failedRecords).toBeGreaterThan(0); // the outage was felt
    recordFigures('fault: DynamoDB down', {
      deliveries: deliveries.length,
      distinctEvents: expected.size,
      outageSeconds: Math.round(outageMs / 100) / 10,
      recordsFailedDuringOutage: failedRecords,
      stored: stored.size,
      lost,
      duplicatesStored: stored.size - expected.size,
      deadLettered: 0,
    });
  });

  it('SQS down: ingest answers 503 in the vendor shape; after restart and the vendor retry, every acknowledged event is stored', async () => {
    const namespace = `sqs-outage-${Date.now()}`;
    const [before, during] = [distinctEvents(60, `${namespace}-a`), distinctEvents(60, `${namespace}-b`)].map(
      (events) => events.map(({ sample }) => sample),
    ) as [Sample[], Sample[]];
    const acknowledged: Sample[] = [];
    for (const sample of before) if ((await ingest(sample)).answer.statusCode === 200) acknowledged.push(sample);
    const drain = new SqsPoller({
      client: sqsClient,
      queueUrl: resources.queueUrl,
      handler: createSqsProcessHandler(processDeps()),
    });
    drain.start();
    await waitUntilEmpty(60_000);
    await drain.stop();

    await sqs.stop();
    const refused = await Promise.all(during.map((sample) => ingest(sample)));
    expect(refused.map(({ answer }) => answer.statusCode)).toEqual(during.map(() => 503));
    for (const [index, { answer }] of refused.entries()) {
      const body = JSON.parse(answer.body);
      const endpoint = during[index]?.endpoint;
      if (endpoint === 'huawei-sparkrtc')
        expect(body).toEqual({ status: 0, result: 'event could not be queued, retry later' });
      else expect(body).toEqual({ code: 503, message: 'event could not be queued, retry later' });
    }

    sqs = await startSqsEmulator({ port: sqsPort });
    resources = await provisionLocalResources({ dynamodb: dynamodb.endpoint, sqs: sqs.endpoint });
    // The vendor retries what was refused.
    for (const sample of during) if ((await ingest(sample)).answer.statusCode === 200) acknowledged.push(sample);
    const poller = new SqsPoller({
      client: sqsClient,
      queueUrl: resources.queueUrl,
      handler: createSqsProcessHandler(processDeps()),
    });
    poller.start();
    await waitUntilEmpty(60_000);
    await poller.stop();

    const expected = await expectedEventKeys(acknowledged);
    const stored = await storedEventKeys(expected);
    const lost = [...expected].filter((key) => !stored.has(key)).length;
    expect(acknowledged).toHaveLength(before.length + during.length);
    expect(lost).toBe(0);
    recordFigures('fault: SQS down', {
      acceptedBefore: before.length,
      refusedWith503: refused.length,
      acceptedOnRetry: during.length,
      acknowledged: acknowledged.length,
      stored: stored.size,
      acknowledgedThenLost: lost,
    });
  });

  it('process crashes after the write and before reporting success: the redelivery leaves correct state', async () => {
    const namespace = `crash-${Date.now()}`;
    const workload = distinctEvents(100, namespace);
    const real = store();
    const crashed = new Set<string>();
    let redeliveredAsDuplicate = 0;
    // A fault the emulators cannot produce: the write lands, then the function dies.
    const crashing: ProcessDependencies['store'] = {
      async applyRecordingEvent(event, receivedAt) {
        const outcome = await real.applyRecordingEvent(event, receivedAt);
        if (outcome === 'duplicate' && crashed.has(event.eventId)) redeliveredAsDuplicate += 1;
        if (!crashed.has(event.eventId)) {
          crashed.add(event.eventId);
          throw new Error('injected crash after the write');
        }
        return outcome;
      },
      applyRoomEvent: (event) => real.applyRoomEvent(event),
      markStale: (key, quietSince) => real.markStale(key, quietSince),
    };
    for (let i = 0; i < workload.length; i += 10) {
      await sqsClient.send(
        new SendMessageBatchCommand({
          QueueUrl: resources.queueUrl,
          Entries: workload
            .slice(i, i + 10)
            .map(({ sample }, j) => ({ Id: String(j), MessageBody: toQueuedMessage(sample) })),
        }),
      );
    }
    const poller = new SqsPoller({
      client: sqsClient,
      queueUrl: resources.queueUrl,
      handler: createSqsProcessHandler(processDeps({ store: crashing })),
      retryDelaySeconds: 0,
    });
    poller.start();
    await waitUntilEmpty(60_000);
    await poller.stop();

    const expected = await expectedEventKeys(workload.map(({ sample }) => sample));
    const stored = await storedEventKeys(expected);
    expect(crashed.size).toBe(expected.size);
    expect(redeliveredAsDuplicate).toBe(expected.size);
    expect(stored).toEqual(expected);
    await project();
    const { status, eventCount } =
      (await real.getRecording({ platform: 'trtc', appId: '1400000001', taskId: `${namespace}-0` })) ?? {};
    expect({ status, eventCount }).toEqual({ status: 'completed', eventCount: 10 });
    expect(await depth(resources.deadLetterQueueUrl)).toBe(0);
    recordFigures('fault: crash after the write', {
      events: expected.size,
      crashesInjected: crashed.size,
      redeliveredAsDuplicate,
      stored: stored.size,
    });
  });

  it('a poison message reaches the DLQ after exactly maxReceiveCount receives; its batch-mates are applied once', async () => {
    const namespace = `poison-${Date.now()}`;
    const good = distinctEvents(9, namespace);
    await sqsClient.send(
      new SendMessageBatchCommand({
        QueueUrl: resources.queueUrl,
        Entries: [
          {
            Id: 'poison',
            MessageBody: '{"version":1,"endpoint":"tencent-trtc","appId":"1","receivedAt":0,"body":"not json"}',
          },
          ...good.map(({ sample }, i) => ({ Id: String(i), MessageBody: toQueuedMessage(sample) })),
        ],
      }),
    );
    const receivesOfPoison: number[] = [];
    const handler = createSqsProcessHandler(processDeps());
    const poller = new SqsPoller({
      client: sqsClient,
      queueUrl: resources.queueUrl,
      retryDelaySeconds: 0,
      handler: async (event, context) => {
        for (const record of event.Records) {
          if (record.body.includes('not json'))
            receivesOfPoison.push(Number(record.attributes.ApproximateReceiveCount));
        }
        return handler(event, context);
      },
    });
    for (let i = 0; i < 30 && (await depth(resources.queueUrl)) > 0; i += 1) await poller.pollOnce(0);

    expect(receivesOfPoison).toEqual([1, 2, 3, 4, 5].slice(0, resources.maxReceiveCount));
    expect(await depth(resources.deadLetterQueueUrl)).toBe(1);
    const expected = await expectedEventKeys(good.map(({ sample }) => sample));
    const stored = await storedEventKeys(expected);
    expect(stored).toEqual(expected);
    recordFigures('fault: poison message', {
      maxReceiveCount: resources.maxReceiveCount,
      receivesBeforeDlq: receivesOfPoison.length,
      deadLettered: 1,
      batchMatesApplied: stored.size,
    });
  });
});
