import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { interpretSample } from '../../fixtures/interpret';
import { DEV_APPS, trtcBody } from '../../fixtures/samples';
import { createSqsClient } from '../../lib/adapters/sqs-callback-queue';
import { SqsPublicationDeadLetters } from '../../lib/adapters/sqs-publication-dead-letters';
import { SummaryProjector } from '../../lib/adapters/summary-projector';
import { toSummaryItem } from '../../lib/adapters/table-layout';
import type { SummaryVersion } from '../../lib/model/recording-event';
import type { RecordingSummary } from '../../lib/model/recording-summary';
import { createStreamProjectHandler } from '../../lib/project/stream-handler';
import { STATUS_RULES } from '../../lib/providers/registry';
import { createStreamPublishHandler } from '../../lib/publish/stream-handler';
import { localClientConfig } from '../../local/emulators';
import type { StreamDeadLetter } from '../../local/stream-poller';
import { FakeBus } from '../helpers/publication';
import { RecordingStore } from '../helpers/recording-store';
import { uniqueId, useLocalStack } from './local-stack';

let stack: Awaited<ReturnType<typeof useLocalStack>>;
beforeAll(async () => {
  stack = await useLocalStack();
});

describe('the local stream event source mapping', () => {
  it('reads past whole batches its filter refuses, and resumes at the record a handler reports failed', async () => {
    const seen: string[] = [];
    let failOnce = true;
    const reader = await stack.projection(async (event) => {
      const keys = event.Records.map((record: DynamoDBRecord) => record.dynamodb?.Keys?.sk?.S ?? '');
      if (failOnce && keys.length > 1) {
        failOnce = false;
        // Everything from the second record on comes back; the first was handled.
        seen.push(keys[0] as string);
        return { batchItemFailures: [{ itemIdentifier: event.Records[1]?.dynamodb?.SequenceNumber ?? '' }] };
      }
      seen.push(...keys);
      return { batchItemFailures: [] };
    });
    const pk = uniqueId('REC#stream');
    const put = (sk: string) =>
      stack.documentClient.send(new PutCommand({ TableName: stack.stack.tableName, Item: { pk, sk } }));
    // 250 records the filter refuses (more than two batches of 100), then three it takes.
    for (let i = 0; i < 250; i += 1) await put(`FILE#${String(i).padStart(3, '0')}`);
    for (const sk of ['EVENT#1#a', 'EVENT#1#b', 'EVENT#1#c']) await put(sk);
    await reader.drain();
    expect(seen).toEqual(['EVENT#1#a', 'EVENT#1#b', 'EVENT#1#c']);
  });
});

/** Receives every message of a queue (the local stream dead-letter queues), and deletes them. */
async function receiveAll(queueUrl: string): Promise<StreamDeadLetter[]> {
  const messages: StreamDeadLetter[] = [];
  for (;;) {
    const { Messages: batch = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (batch.length === 0) return messages;
    for (const message of batch) {
      messages.push(JSON.parse(message.Body ?? '{}'));
      await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

const RETRIES = 3;
const BACKOFF_MS = 40;

describe('a stream record that always fails is isolated', () => {
  const summaryVersion = (taskId: string, status: SummaryVersion['status'], overrides: Partial<SummaryVersion> = {}) =>
    ({
      platform: 'trtc',
      appId: DEV_APPS.trtc,
      taskId,
      statusFacts: [status],
      status,
      eventCount: 1,
      eventTypes: { '301': 1 },
      fileCount: 0,
      roomId: null,
      startedAt: 1_000,
      updatedAt: Date.now(),
      reconciliation: null,
      ...overrides,
    }) as RecordingSummary;
  const putSummary = (summary: RecordingSummary, lastSequence: string, previous: RecordingSummary | null) =>
    stack.documentClient.send(
      new PutCommand({
        TableName: stack.stack.tableName,
        Item: toSummaryItem(
          summary,
          lastSequence.padStart(30, '0'),
          86_400_000,
          previous && toSummaryItem(previous, '', 86_400_000, null),
        ),
      }),
    );

  it('publisher: a record no event can describe is dead-lettered at once; batch-mates published exactly once, one version per detail', async () => {
    const run = uniqueId('poison');
    const [a, p, b] = ['a', 'p', 'b'].map((name) => `${run}-${name}`) as [string, string, string];
    const bus = new FakeBus();
    const invocations: string[][] = [];
    const publish = createStreamPublishHandler({
      publisher: bus,
      summaries: new RecordingStore({ client: stack.documentClient, tableName: stack.stack.tableName }),
      deadLetters: new SqsPublicationDeadLetters({
        client: createSqsClient(stack.stack.publicationDeadLetterQueueUrl),
        queueUrl: stack.stack.publicationDeadLetterQueueUrl,
      }),
      logger: { info: () => {}, warn: () => {} },
      countOutcome: () => {},
      sleep: async () => {},
    });
    const reader = await stack.publication(
      async (event) => {
        invocations.push(event.Records.map((record) => record.dynamodb?.SequenceNumber ?? ''));
        return publish(event);
      },
      {
        maxRetryAttempts: RETRIES,
        retryDelayMs: BACKOFF_MS,
        deadLetterQueue: { client: stack.sqs, queueUrl: stack.stack.publicationDeadLetterQueueUrl },
      },
    );
    // a's table already names a file its first version does not count: the detail is that version's.
    await stack.documentClient.send(
      new PutCommand({
        TableName: stack.stack.tableName,
        Item: {
          pk: `REC#trtc#${DEV_APPS.trtc}#${a}`,
          sk: 'FILE#late.mp4',
          name: 'late.mp4',
          statuses: new Set(['uploaded']),
          firstEventSk: 'EVENT#x',
        },
      }),
    );
    const aFirst = summaryVersion(a, 'recording');
    await putSummary(aFirst, '1', null);
    // p's first version says 2 files and carries none: no detail can describe it, ever.
    const pFirst = summaryVersion(p, 'recording', { fileCount: 2 });
    await putSummary(pFirst, '1', null);
    await putSummary(summaryVersion(b, 'recording'), '1', null);
    // p's later change is sound: it must go out once p's first one is given up on.
    await putSummary(summaryVersion(p, 'stopped', { statusFacts: ['stopped'], eventCount: 2 }), '2', pFirst);
    await putSummary(
      summaryVersion(a, 'completed', {
        statusFacts: ['completed'],
        eventCount: 2,
        fileCount: 1,
      }),
      '2',
      aFirst,
    );

    await reader.drain(30_000);

    const byId = new Map<string, number>();
    for (const event of bus.published) byId.set(event.detail.id, (byId.get(event.detail.id) ?? 0) + 1);
    expect([...byId.values()].every((count) => count === 1)).toBe(true);
    expect(bus.published.map((event) => [event.detail.taskId, event.detail.status])).toEqual([
      [a, 'recording'],
      [b, 'recording'],
      [p, 'stopped'],
      [a, 'completed'],
    ]);
    for (const { detail } of bus.published) {
      expect(detail.files).toHaveLength(Math.min(detail.fileCount, 100));
    }
    expect(bus.published[0]?.detail).toMatchObject({ fileCount: 0, files: [] });

    // Building a detail is deterministic: the record is not retried, so no loop of any kind.
    const [poison] = invocations[0]?.slice(1, 2) ?? [];
    expect(invocations.filter((batch) => batch.includes(poison ?? ''))).toHaveLength(1);

    const letters = (await receiveAll(stack.stack.publicationDeadLetterQueueUrl)) as unknown as Record<
      string,
      unknown
    >[];
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      source: 'publish',
      sequenceNumber: poison,
      eventName: 'INSERT',
      keys: { pk: `REC#trtc#${DEV_APPS.trtc}#${p}`, sk: 'SUMMARY' },
      reason: expect.stringContaining('fileCount of 2'),
    });
  });

  it('projector: a recording whose summary can never be written goes to the projection DLQ; the others are applied once', async () => {
    const run = uniqueId('poison');
    const poisonPk = `REC#trtc#${DEV_APPS.trtc}#${run}-p`;
    // A fault on the wire for one recording only: every write of its summary is refused.
    const client = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(stack.stack.dynamodbEndpoint)));
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Item?: { pk?: string }; Key?: { pk?: string } };
        if ((input.Item?.pk ?? input.Key?.pk) === poisonPk)
          throw new Error('injected: this recording cannot be written');
        return next(args);
      },
      { step: 'initialize' },
    );
    const handler = createStreamProjectHandler({
      projector: new SummaryProjector({ statusRules: STATUS_RULES, client, tableName: stack.stack.tableName }),
      logger: new Logger({ logLevel: 'SILENT' }),
      countOutcome: () => {},
    });
    let deliveries = 0;
    const reader = await stack.projection(
      async (event) => {
        deliveries += event.Records.filter((record) => record.dynamodb?.Keys?.pk?.S === poisonPk).length;
        return handler(event);
      },
      {
        maxRetryAttempts: RETRIES,
        retryDelayMs: BACKOFF_MS,
        deadLetterQueue: { client: stack.sqs, queueUrl: stack.stack.projectionDeadLetterQueueUrl },
      },
    );
    const store = new RecordingStore({ client: stack.documentClient, tableName: stack.stack.tableName });
    const apply = (taskId: string, eventType: number, payload: Record<string, unknown>) =>
      store.applyRecordingEvent(
        interpretSample({
          name: 'x',
          endpoint: 'tencent-trtc',
          appId: DEV_APPS.trtc,
          body: trtcBody(eventType, { taskId, payload }),
        }),
        Date.now(),
      );
    await apply(`${run}-a`, 301, { Status: 0 });
    await apply(`${run}-p`, 301, { Status: 0 });
    await apply(`${run}-b`, 301, { Status: 0 });
    await apply(`${run}-a`, 302, { LeaveCode: 0 });
    await reader.drain(30_000);

    expect(deliveries).toBe(1 + RETRIES);
    for (const [task, status] of [
      ['a', 'stopped'],
      ['b', 'recording'],
    ] as const) {
      const { body } = await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${run}-${task}`);
      expect(body).toMatchObject({ status, eventCount: task === 'a' ? 2 : 1 });
    }
    expect((await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${run}-p`)).statusCode).toBe(404);
    const letters = await receiveAll(stack.stack.projectionDeadLetterQueueUrl);
    expect(letters.map((letter) => letter.record.dynamodb?.Keys?.pk?.S)).toEqual([poisonPk]);
    client.destroy();
  });
});
