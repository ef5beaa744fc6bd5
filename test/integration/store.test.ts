import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecordingStore, recordingPartitionKey } from '../../lib/adapters/recording-store';
import { createSqsProcessHandler } from '../../lib/process/sqs-handler';
import { createProviderRegistry } from '../../lib/providers/registry';
import { localClientConfig } from '../../local/emulators';
import { countDynamoDbRequests } from '../helpers/count-dynamodb-requests';
import { devKeyFor } from '../helpers/dev-apps';
import { DEV_APPS, gmeBody, type Sample, sparkRtcBody, trtcBody, trtcLifecycle } from '../helpers/samples';
import { signTestRequest } from '../helpers/sign-test-request';
import { toSqsBatches } from '../helpers/sqs-event';
import { uniqueId, useLocalStack } from './local-stack';

let stack: Awaited<ReturnType<typeof useLocalStack>>;
const send = async (sample: Sample) => stack.post(signTestRequest(sample, { key: await devKeyFor(sample) }));

beforeAll(async () => {
  stack = await useLocalStack();
});
beforeEach(async () => {
  await stack.purge();
});

describe('DynamoDB requests per event, counted by SDK middleware', () => {
  it('spends one write and no read per distinct event, and one refused write per duplicate', async () => {
    const client = new DynamoDBClient(localClientConfig(stack.stack.dynamodbEndpoint));
    const counts = countDynamoDbRequests(client);
    const store = new RecordingStore({
      client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      tableName: stack.stack.tableName,
    });
    const handler = createSqsProcessHandler({
      providers: createProviderRegistry(),
      store,
      logger: new Logger({ logLevel: 'SILENT' }),
      countOutcome: () => {},
    });

    const trtcTask = uniqueId('writes');
    const gmeTask = String(446946705284000000n + BigInt(Date.now() % 1_000_000));
    const distinct: Sample[] = [
      ...trtcLifecycle(trtcTask),
      ...[1, 2, 3].map(
        (eventType): Sample => ({
          name: 'gme',
          endpoint: 'tencent-gme',
          appId: DEV_APPS.gme,
          body: gmeBody({ taskId: gmeTask, eventType, seqNo: 0 }),
        }),
      ),
      ...['RECORD_NEW_FILE_START', 'CLOUD_RECORD_SERVER_OVER'].map(
        (type): Sample => ({
          name: 'spark',
          endpoint: 'huawei-sparkrtc',
          appId: DEV_APPS.sparkrtc,
          body: sparkRtcBody(type, { jobId: trtcTask }),
        }),
      ),
    ];
    for (const sample of distinct) await send(sample);
    await stack.drain(handler);
    expect({ reads: counts.reads, writes: counts.writes }).toEqual({ reads: 0, writes: distinct.length });

    const duplicates = distinct.slice(0, 4);
    for (const sample of duplicates) await send(sample);
    await stack.drain(handler);
    expect({ reads: counts.reads, writes: counts.writes }).toEqual({
      reads: 0,
      writes: distinct.length + duplicates.length,
    });
    expect(counts.byCommand).toEqual({ PutItemCommand: distinct.length + duplicates.length });

    const { body } = await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${trtcTask}`);
    expect(body).toMatchObject({ status: 'completed', eventCount: 5 });
    console.log(
      `DynamoDB requests: ${distinct.length} distinct events → ${distinct.length} PutItem, 0 reads; ` +
        `${duplicates.length} duplicates → ${duplicates.length} refused conditional PutItem, 0 reads`,
    );
  });
});

describe('apply outcomes', () => {
  it('reports applied, then duplicate for the same event, and stale for an older room update', async () => {
    const { interpretSample } = await import('../helpers/interpret');
    const store = new RecordingStore({ client: stack.documentClient, tableName: stack.stack.tableName });
    const event = interpretSample({
      name: 'x',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: trtcBody(301, { taskId: uniqueId('outcome') }),
    });
    expect(await store.applyRecordingEvent(event, Date.now())).toBe('applied');
    expect(await store.applyRecordingEvent(event, Date.now())).toBe('duplicate');
    const room = {
      kind: 'room' as const,
      platform: 'trtc' as const,
      appId: DEV_APPS.trtc,
      roomId: uniqueId('room'),
      operator: null,
      roomInfo: {},
    };
    expect(await store.applyRoomEvent({ ...room, eventTime: 2, eventId: 'b' })).toBe('applied');
    expect(await store.applyRoomEvent({ ...room, eventTime: 2, eventId: 'b' })).toBe('duplicate');
    expect(await store.applyRoomEvent({ ...room, eventTime: 1, eventId: 'c' })).toBe('stale');
    expect(await store.applyRoomEvent({ ...room, eventTime: 3, eventId: 'a' })).toBe('applied');
  });
});

describe('long recordings', () => {
  it('applies 8,640 distinct 307 slices (24 h of 10 s slices) without error, in bounded items, and stays readable', async () => {
    const { handler } = await import('../../functions/process');
    const taskId = uniqueId('day-long');
    const SLICES = 8_640;
    const messages = Array.from({ length: SLICES }, (_, index) =>
      JSON.stringify({
        version: 1,
        endpoint: 'tencent-trtc',
        appId: DEV_APPS.trtc,
        receivedAt: Date.now(),
        query: {},
        headers: {},
        body: trtcBody(307, {
          taskId,
          eventMsTs: 1_752_580_000_000 + index * 10_000,
          payload: {
            FileName: `${taskId}/slice_${String(index).padStart(5, '0')}.ts`,
            UserId: 'u',
            TrackType: 'audio_video',
            BeginTimeStamp: index * 10_000,
          },
        }),
      }),
    );
    const batches = toSqsBatches(messages);
    const started = Date.now();
    let failures = 0;
    // Eight batches in flight, like eight concurrent Lambda instances on one queue.
    for (let i = 0; i < batches.length; i += 8) {
      const responses = await Promise.all(batches.slice(i, i + 8).map((event) => handler(event, {} as never)));
      failures += responses.reduce((sum, response) => sum + response.batchItemFailures.length, 0);
    }
    const applyMs = Date.now() - started;
    expect(failures).toBe(0);

    const readStarted = Date.now();
    const { statusCode, body } = await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${taskId}`);
    const readMs = Date.now() - readStarted;
    expect(statusCode).toBe(200);
    expect(body.eventCount).toBe(SLICES);
    expect(body.files).toHaveLength(SLICES);
    expect(body.status).toBe('recording');

    // Every item stays small however long the recording: one per event, nothing accumulates.
    let largestItemBytes = 0;
    for await (const page of paginateQuery(
      { client: stack.documentClient },
      {
        TableName: stack.stack.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': recordingPartitionKey({ platform: 'trtc', appId: DEV_APPS.trtc, taskId }) },
      },
    )) {
      for (const item of page.Items ?? [])
        largestItemBytes = Math.max(largestItemBytes, Buffer.byteLength(JSON.stringify(item)));
    }
    expect(largestItemBytes).toBeLessThan(1024);
    console.log(`8,640 slices applied in ${applyMs} ms; GET in ${readMs} ms; largest item ${largestItemBytes} bytes`);
  });
});
