/**
 * npm run bench:webhooks [-- --recordings N] [--workers N] [--cost-messages N]
 *
 * Signed webhooks on the local stack (BENCHMARKS.md, "Signed webhooks"):
 * 1. Delivery latency after publication: `startLocalStack` (the code `npm start` runs) in this process,
 *    one webhook endpoint (a receiver here) and RECORDING_EVENTS_URL (another). Each TRTC recording goes
 *    301 → 302 → 305; each callback is sent once the previous change's webhook arrived. Latency = the
 *    webhook reaching its receiver − the same change reaching RECORDING_EVENTS_URL, which the local
 *    publisher POSTs right after putting the envelope in the fan-out queue (the bus rule's place in AWS).
 * 2. What a delivery costs: the real `deliver` handler, on the same emulators, with its own delivery
 *    queue and a DynamoDB client whose requests are counted, is invoked with batches of 10 as the
 *    deployed mappings would (batch size 10): the fan-out batches (envelopes captured in part 1), then
 *    the delivery batches received from its queue. Timed per batch; write units from the log items
 *    before and after each write (fixtures/capacity-units.ts); priced with bench/cost.ts's PRICES_USD.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { type Item, type TableDefinition, writeCost } from '../fixtures/capacity-units';
import { countDynamoDbRequests } from '../fixtures/count-dynamodb-requests';
import { DEV_APPS_FILE, devKeyFor } from '../fixtures/dev-apps';
import { DEV_APPS, type Sample, trtcBody } from '../fixtures/samples';
import { signTestRequest } from '../fixtures/sign-test-request';
import { median, percentile, round } from '../fixtures/stats';
import { WEBHOOK_TEST_SECRETS } from '../fixtures/test-secrets';
import { createSqsClient } from '../lib/adapters/sqs-callback-queue';
import { SqsWebhookQueue } from '../lib/adapters/sqs-webhook-queue';
import { deliveryPartitionKey, deliverySortKey } from '../lib/adapters/webhook-delivery-layout';
import { DynamoDbDeliveryLog } from '../lib/adapters/webhook-delivery-log';
import { parseWebhooksDocument } from '../lib/config/webhooks';
import { logger } from '../lib/logger';
import { createWebhookDeliverer } from '../lib/webhooks/deliver-webhooks';
import { localClientConfig } from '../local/emulators';
import { findFreePort } from '../local/free-port';
import type { EventBridgeEnvelope } from '../local/http-event-publisher';
import { startLocalStack } from '../local/local-stack';
import table from '../resources/recordings-table.json' with { type: 'json' };
import { DEPLOYED, PRICES_USD } from './cost';

const STEPS: [number, Record<string, unknown>, string][] = [
  [301, { Status: 0 }, 'recording'],
  [302, { LeaveCode: 0 }, 'stopped'],
  [305, { Status: 0 }, 'completed'],
];
const BATCH = DEPLOYED.batchSize;
const TABLE = table.Properties as TableDefinition;

/** A receiver answering 204 to every POST, reporting each body with its arrival time. */
async function receiver(onBody: (body: string, at: number, headers: Record<string, unknown>) => void) {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      onBody(Buffer.concat(chunks).toString('utf8'), performance.now(), request.headers);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, close: () => server.close() };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      recordings: { type: 'string', default: '100' },
      workers: { type: 'string', default: '4' },
      'cost-messages': { type: 'string', default: '500' },
    },
  });
  const recordings = Number(values.recordings);
  const workers = Number(values.workers);
  const costMessages = Number(values['cost-messages']);

  // Part 1: latency after publication.
  const published = new Map<string, number>();
  const envelopes: EventBridgeEnvelope[] = [];
  const webhookAt = new Map<string, number>();
  const latencies: number[] = [];
  const events = await receiver((body, at) => {
    const envelope = JSON.parse(body) as EventBridgeEnvelope;
    envelopes.push(envelope);
    published.set((envelope.detail as { id: string }).id, at);
  });
  const hooks = await receiver((body, at, headers) => {
    const id = String(headers['webhook-id']);
    if (JSON.parse(body).data.id !== id) throw new Error('webhook-id is not the change id');
    if (!webhookAt.has(id)) webhookAt.set(id, at);
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-webhooks-'));
  const webhooksFile = join(dir, 'webhooks.json');
  writeFileSync(
    webhooksFile,
    JSON.stringify({ endpoints: [{ id: 'bench', url: hooks.url, secrets: [WEBHOOK_TEST_SECRETS.current] }] }),
  );
  const stack = await startLocalStack({
    port: await findFreePort(),
    appsFile: DEV_APPS_FILE,
    eventsUrl: events.url,
    webhooksFile,
  });
  let cost: Record<string, unknown>;
  try {
    const run = Date.now().toString(36);
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < recordings; index = next++) {
        const taskId = `webhook-latency-${run}-${index}`;
        for (const [eventType, payload, status] of STEPS) {
          const sample: Sample = {
            name: 'latency',
            endpoint: 'tencent-trtc',
            appId: DEV_APPS.trtc,
            body: trtcBody(eventType, { taskId, payload }),
          };
          const signed = signTestRequest(sample, { key: await devKeyFor(sample) });
          const before = envelopes.length;
          const answer = await fetch(`${stack.url}/callbacks/${signed.endpoint}?${signed.rawQueryString}`, {
            method: 'POST',
            headers: signed.headers as Record<string, string>,
            body: signed.body,
          });
          if (answer.status !== 200) throw new Error(`ingest answered ${answer.status}`);
          // The change's id is known once it is published; its webhook may already be on its way.
          const id = await waitFor(() => {
            const envelope = envelopes
              .slice(before)
              .find((candidate) => candidate.detail.taskId === taskId && candidate.detail.status === status);
            return envelope === undefined ? undefined : (envelope.detail as { id: string }).id;
          });
          // Both times are taken on arrival; the wait only learns of them.
          const arrived = await waitFor(() => webhookAt.get(id));
          latencies.push(arrived - (published.get(id) ?? arrived));
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));

    // Part 2: the deliver handler timed and its writes counted, on its own delivery queue.
    cost = await measureCost(stack, envelopes.slice(0, costMessages), hooks.url);
  } finally {
    await stack.stop();
    events.close();
    hooks.close();
  }
  const figures = {
    deliveries: latencies.length,
    workers,
    medianMs: round(median(latencies), 1),
    p90Ms: round(percentile(latencies, 90), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    maxMs: round(Math.max(...latencies), 1),
  };
  console.log(JSON.stringify({ latency: figures, cost }, null, 2));
  console.log(
    `| deliveries | concurrent recordings | median | p90 | p99 | max |\n|---|---|---|---|---|---|\n| ${figures.deliveries} | ${workers} | ${figures.medianMs} ms | ${figures.p90Ms} ms | ${figures.p99Ms} ms | ${figures.maxMs} ms |`,
  );
}

async function measureCost(
  stack: Awaited<ReturnType<typeof startLocalStack>>,
  envelopes: readonly EventBridgeEnvelope[],
  url: string,
): Promise<Record<string, unknown>> {
  const sqs = new SQSClient(localClientConfig(stack.sqs.endpoint));
  const raw = new DynamoDBClient(localClientConfig(stack.dynamodb.endpoint));
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(stack.dynamodb.endpoint)));
  const requests = countDynamoDbRequests(documentClient);
  const { QueueUrl: queueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `bench-webhook-delivery-${Date.now()}` }),
  );
  if (queueUrl === undefined) throw new Error('no queue');
  const endpointId = `bench-cost-${Date.now().toString(36)}`;
  const endpoints = parseWebhooksDocument(
    { endpoints: [{ id: endpointId, url, secrets: [WEBHOOK_TEST_SECRETS.current] }] },
    'bench',
  );
  const handler = createWebhookDeliverer({
    loadEndpoints: async () => endpoints,
    log: new DynamoDbDeliveryLog({ client: documentClient, tableName: stack.resources.tableName }),
    queue: new SqsWebhookQueue({
      client: createSqsClient(queueUrl),
      queueUrl,
      deadLetterQueueUrl: stack.resources.webhookDeadLetterQueueUrl,
    }),
    logger: { info: () => {}, warn: logger.warn.bind(logger), error: logger.error.bind(logger) },
  });
  const getItem = async (webhookId: string) =>
    (
      await raw.send(
        new GetItemCommand({
          TableName: stack.resources.tableName,
          Key: { pk: { S: deliveryPartitionKey(endpointId) }, sk: { S: deliverySortKey(webhookId) } },
          ConsistentRead: true,
        }),
      )
    ).Item as Item | undefined;
  const ids = envelopes.map((envelope) => (envelope.detail as { id: string }).id);
  const record = (body: string, index: number, receipt = `r-${index}`, receiveCount = '1') => ({
    messageId: `m-${index}`,
    receiptHandle: receipt,
    body,
    attributes: {
      ApproximateReceiveCount: receiveCount,
      SentTimestamp: '0',
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
    awsRegion: 'us-east-1',
  });

  // Fan-out: batches of 10 envelopes.
  const fanoutMs: number[] = [];
  const writesBefore = requests.writes;
  for (let start = 0; start < envelopes.length; start += BATCH) {
    const event = {
      Records: envelopes.slice(start, start + BATCH).map((envelope, j) => record(JSON.stringify(envelope), start + j)),
    } as SQSEvent;
    const started = performance.now();
    const { batchItemFailures } = await handler(event);
    fanoutMs.push(performance.now() - started);
    if (batchItemFailures.length > 0) throw new Error('fan-out failed');
  }
  const fanoutWrites = requests.writes - writesBefore;
  const queued = await Promise.all(ids.map(getItem));

  // Delivery: batches of up to 10 received from the queue, as the mapping receives them.
  const deliveryMs: number[] = [];
  const deliveryWritesBefore = requests.writes;
  let delivered = 0;
  let batches = 0;
  while (delivered < ids.length) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: BATCH,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) throw new Error('delivery queue ran dry');
    const event = {
      Records: Messages.map((message, j) =>
        record(message.Body ?? '', j, message.ReceiptHandle, message.Attributes?.ApproximateReceiveCount ?? '1'),
      ),
    } as SQSEvent;
    const started = performance.now();
    const { batchItemFailures } = await handler(event);
    deliveryMs.push(performance.now() - started);
    if (batchItemFailures.length > 0) throw new Error('a delivery failed');
    delivered += Messages.length;
    batches++;
  }
  const deliveryWrites = requests.writes - deliveryWritesBefore;
  const finals = await Promise.all(ids.map(getItem));

  // Write units as DynamoDB bills them: the table by the larger image, the byTime entry per change.
  let units = 0;
  let itemBytes = 0;
  ids.forEach((_, index) => {
    const queuedCost = writeCost(undefined, queued[index], TABLE);
    const attemptCost = writeCost(queued[index], finals[index], TABLE);
    for (const cost of [queuedCost, attemptCost]) {
      units += cost.table + Object.values(cost.indexes).reduce((sum, index) => sum + index.units, 0);
    }
    itemBytes += attemptCost.itemBytes;
  });
  sqs.destroy();
  raw.destroy();
  documentClient.destroy();

  const n = ids.length;
  const msPerDelivery = (median(fanoutMs) + median(deliveryMs)) / BATCH;
  const gbSeconds = (ms: number) => (Math.ceil(ms) / 1000) * (DEPLOYED.memoryMb / 1024);
  const million = 1_000_000;
  const wcuPerDelivery = units / n;
  // SQS: fan-out send (the rule's target) + receive + delete, delivery send (one SendMessage per message,
  // as SqsWebhookQueue sends them) + receive + delete. Full batches of 10 share a receive and a delete;
  // with no batching window a quiet stack receives one message at a time.
  const sqsRequests = { fullBatches: 1 + 2 / BATCH + 1 + 2 / BATCH, oneAtATime: 6 };
  const lambdaInvocations = { fullBatches: 2 / BATCH, oneAtATime: 2 };
  const price = (shape: 'fullBatches' | 'oneAtATime') => {
    const perBatch = shape === 'fullBatches' ? BATCH : 1;
    const sqsUsd = sqsRequests[shape] * PRICES_USD.sqsStandardPerMillion;
    const requestsUsd = lambdaInvocations[shape] * PRICES_USD.lambdaRequestsPerMillion;
    // One fan-out and one delivery invocation per batch, each billed at its measured median (ms rounded up).
    const computeUsd =
      (million / perBatch) *
      PRICES_USD.lambdaArmPerGbSecond *
      (gbSeconds((median(fanoutMs) / BATCH) * perBatch) + gbSeconds((median(deliveryMs) / BATCH) * perBatch));
    const dynamoUsd = wcuPerDelivery * PRICES_USD.dynamoDbWriteUnitsPerMillion;
    return {
      sqs: round(sqsUsd, 3),
      lambdaRequests: round(requestsUsd, 3),
      lambdaCompute: round(computeUsd, 3),
      dynamoDb: round(dynamoUsd, 3),
      total: round(sqsUsd + requestsUsd + computeUsd + dynamoUsd, 2),
    };
  };
  return {
    deliveries: n,
    deliveryBatches: batches,
    fanoutMsPerBatchMedian: round(median(fanoutMs), 1),
    deliveryMsPerBatchMedian: round(median(deliveryMs), 1),
    msPerDelivery: round(msPerDelivery, 2),
    writeRequestsPerDelivery: round((fanoutWrites + deliveryWrites) / n, 3),
    writeUnitsPerDelivery: round(wcuPerDelivery, 3),
    logItemBytesMean: round(itemBytes / n, 0),
    sqsRequestsPerDelivery: sqsRequests,
    lambdaInvocationsPerDelivery: lambdaInvocations,
    usdPerMillionDeliveries: { fullBatches: price('fullBatches'), oneAtATime: price('oneAtATime') },
    prices: PRICES_USD,
  };
}

async function waitFor<T>(find: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`bench:webhooks failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
