import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countDynamoDbRequests } from '../../fixtures/count-dynamodb-requests';
import { devKeyFor } from '../../fixtures/dev-apps';
import { DEV_APPS, gmeBody, type Sample, sparkRtcBody, trtcBody, trtcLifecycle } from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import { toSqsBatches } from '../../fixtures/sqs-event';
import { recordingPartitionKey } from '../../lib/adapters/table-layout';
import { createSqsProcessHandler } from '../../lib/process/sqs-handler';
import { createProviderRegistry } from '../../lib/providers/registry';
import { localClientConfig } from '../../local/emulators';
import { RecordingStore } from '../helpers/recording-store';
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
    const { interpretSample } = await import('../../fixtures/interpret');
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

/** A day of 10 s slices by default (README, "Paging, listings and the timeline"); LONG_RECORDING_SLICES=20000 for the longer run (≈ 85 s here). */
const SLICES = Number(process.env.LONG_RECORDING_SLICES ?? 8_640);

describe('long recordings', () => {
  it(`applies ${SLICES} distinct 307 slices; GET is two reads whatever the length, and the files route pages every file once, in name order`, async () => {
    const { handler } = await import('../../functions/process');
    const taskId = uniqueId('long');
    const names = Array.from({ length: SLICES }, (_, index) => `${taskId}/slice_${String(index).padStart(5, '0')}.ts`);
    const messages = names.map((FileName, index) =>
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
          payload: { FileName, UserId: 'u', TrackType: 'audio_video', BeginTimeStamp: index * 10_000 },
        }),
      }),
    );
    // Shuffled, so that name order has to come from the store, not from arrival.
    const shuffled = messages.map((message, index) => ({ message, rank: (index * 7_919) % SLICES }));
    shuffled.sort((a, b) => a.rank - b.rank);
    const batches = toSqsBatches(shuffled.map(({ message }) => message));
    const started = Date.now();
    let failures = 0;
    // Eight batches in flight, like eight concurrent Lambda instances on one queue.
    for (let i = 0; i < batches.length; i += 8) {
      const responses = await Promise.all(batches.slice(i, i + 8).map((event) => handler(event, {} as never)));
      failures += responses.reduce((sum, response) => sum + response.batchItemFailures.length, 0);
    }
    const applyMs = Date.now() - started;
    expect(failures).toBe(0);
    const projectStarted = Date.now();
    await stack.project(300_000);
    const projectMs = Date.now() - projectStarted;

    // The GET is two reads (the summary, then one Query of its version's first files) however long the recording is.
    const client = new DynamoDBClient(localClientConfig(stack.stack.dynamodbEndpoint));
    const counts = countDynamoDbRequests(client);
    const reader = new RecordingStore({
      client: DynamoDBDocumentClient.from(client),
      tableName: stack.stack.tableName,
    });
    const key = { platform: 'trtc' as const, appId: DEV_APPS.trtc, taskId };
    const state = await reader.getRecording(key);
    expect(counts.byCommand).toEqual({ GetItemCommand: 1, QueryCommand: 1 });
    expect(state).toMatchObject({ eventCount: SLICES, fileCount: SLICES, status: 'recording' });
    expect(state?.files.map((file) => file.name)).toEqual(names.slice(0, 100));

    const { statusCode, body } = await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${taskId}`);
    expect(statusCode).toBe(200);
    const getBytes = JSON.stringify(body).length;
    expect(getBytes).toBeLessThan(64 * 1024);
    expect(typeof body.filesNextCursor).toBe('string');

    const seen: string[] = [...body.files.map((file: { name: string }) => file.name)];
    let cursor: string | null = body.filesNextCursor;
    let pages = 1;
    while (cursor) {
      const page = await stack.get(
        `/recordings/trtc/${DEV_APPS.trtc}/${taskId}/files?limit=1000&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(page.statusCode).toBe(200);
      seen.push(...page.body.files.map((file: { name: string }) => file.name));
      cursor = page.body.nextCursor;
      pages += 1;
    }
    expect(seen).toEqual(names);

    // Every item stays small however long the recording: events and files well under 1 KB, the summary
    // its counts and a fixed page of 100 files.
    let largestItemBytes = 0;
    let summaryBytes = 0;
    for await (const page of paginateQuery(
      { client: stack.documentClient },
      {
        TableName: stack.stack.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': recordingPartitionKey(key) },
      },
    )) {
      for (const item of page.Items ?? []) {
        const bytes = Buffer.byteLength(JSON.stringify(item));
        if (item.sk === 'SUMMARY') summaryBytes = bytes;
        else largestItemBytes = Math.max(largestItemBytes, bytes);
      }
    }
    expect(largestItemBytes).toBeLessThan(1024);
    expect(summaryBytes).toBeLessThan(16 * 1024);
    client.destroy();
    console.log(
      `${SLICES} slices applied in ${applyMs} ms, projected in ${projectMs} ms; GET ${getBytes} bytes in 1 read; ` +
        `${pages} pages of files; largest event or file item ${largestItemBytes} bytes, summary ${summaryBytes} bytes`,
    );
  });
});
