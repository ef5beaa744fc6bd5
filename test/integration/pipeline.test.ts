import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { devKeyFor } from '../../fixtures/dev-apps';
import {
  DEV_APPS,
  gmeBody,
  type Sample,
  SEED_000,
  SEED_001,
  SEED_003,
  SEED_004,
  SEED_GME_TASK_ID,
  SEED_SPARKRTC_JOB_ID,
  SEED_TRTC_TASK_ID,
  trtcBody,
  trtcLifecycle,
} from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import { localClientConfig } from '../../local/emulators';
import { uniqueId, useLocalStack } from './local-stack';

let stack: Awaited<ReturnType<typeof useLocalStack>>;
const send = async (sample: Sample, options: { now?: number } = {}) =>
  stack.post(signTestRequest(sample, { key: await devKeyFor(sample), ...options }));

beforeAll(async () => {
  stack = await useLocalStack();
});
beforeEach(async () => {
  await stack.purge();
});

describe('seed samples: ingest → SQS → process → DynamoDB → query', () => {
  it('the Chat recording sample (305, Status 0): a completed trtc recording under its exact task id', async () => {
    expect(await send(SEED_000)).toEqual({
      statusCode: 200,
      body: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' },
    });
    await stack.drain();
    const { statusCode, body } = await stack.get(
      `/recordings/trtc/${DEV_APPS.trtc}/${encodeURIComponent(SEED_TRTC_TASK_ID)}`,
    );
    expect(statusCode).toBe(200);
    expect(body).toMatchObject({
      platform: 'trtc',
      appId: DEV_APPS.trtc,
      taskId: SEED_TRTC_TASK_ID,
      roomId: '635055',
      status: 'completed',
      files: [],
      eventCount: 1,
    });
    expect(new Date(body.updatedAt).toISOString()).toBe(body.updatedAt);
  });

  it('the GME sample (segment started): recording, with the 64-bit TaskID unrounded', async () => {
    expect(await send(SEED_001)).toEqual({ statusCode: 200, body: { code: 0 } });
    await stack.drain();
    const { body } = await stack.get(`/recordings/gme/${DEV_APPS.gme}/${SEED_GME_TASK_ID}`);
    expect(body).toMatchObject({ taskId: SEED_GME_TASK_ID, roomId: '100', status: 'recording', eventCount: 1 });
    expect(body.files).toEqual([
      {
        name: `1400000000_100_999/2023-02-09-16-16-45_${SEED_GME_TASK_ID}_0_audio.mp3`,
        url: null,
        status: 'recording',
      },
    ]);
  });

  it('the SparkRTC sample (file complete): the file with its OBS object and download URL', async () => {
    expect(await send(SEED_003)).toEqual({ statusCode: 200, body: { status: 1, result: 'success' } });
    await stack.drain();
    const { body } = await stack.get(`/recordings/sparkrtc/${DEV_APPS.sparkrtc}/${SEED_SPARKRTC_JOB_ID}`);
    expect(body).toMatchObject({ taskId: SEED_SPARKRTC_JOB_ID, roomId: 'room01', status: 'recording', eventCount: 1 });
    expect(body.files).toHaveLength(1);
    expect(body.files[0].url).toMatch(/^https:\/\/abc-rtc-bucket2\.obs\..*\.m3u8$/);
  });

  it('the Chat room-info sample: the room with its latest info', async () => {
    expect((await send(SEED_004)).statusCode).toBe(200);
    await stack.drain();
    const { statusCode, body } = await stack.get(`/rooms/trtc/${DEV_APPS.trtc}/rid-123`);
    expect(statusCode).toBe(200);
    expect(body).toMatchObject({ roomId: 'rid-123', operator: 'bob', recordings: [] });
    expect(body.roomInfo).toMatchObject({
      RoomName: 'rname-123',
      IsCloudRecordingDisabled: false,
      MaxMemberCount: 300,
    });
  });

  it('a TRTC 301 → 305 set delivered out of order: completed, listed under its room', async () => {
    const taskId = uniqueId('task');
    const roomId = uniqueId('room');
    const lifecycle = trtcLifecycle(taskId, roomId);
    for (const sample of [...lifecycle].reverse()) expect((await send(sample)).statusCode).toBe(200);
    await stack.drain();
    const { body } = await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${taskId}`);
    expect(body).toMatchObject({ status: 'completed', eventCount: 5, roomId });
    expect(body.files).toEqual([{ name: `${taskId.slice(0, 8)}/index.m3u8`, url: null, status: 'uploaded' }]);
    const room = await stack.get(`/rooms/trtc/${DEV_APPS.trtc}/${roomId}`);
    expect(room.body.roomInfo).toBeNull();
    expect(room.body.recordings.map((recording: { taskId: string }) => recording.taskId)).toEqual([taskId]);
  });
});

describe('rooms', () => {
  it("lists a room's recordings newest first, by start time, even when an older one was active last", async () => {
    const roomId = uniqueId('room');
    const [older, newer] = [uniqueId('older'), uniqueId('newer')];
    const event = (taskId: string, type: number, eventMsTs: number): Sample => ({
      name: 'x',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: trtcBody(type, { taskId, roomId, eventMsTs }),
    });
    await send(event(older, 301, 1_700_000_001_000));
    await send(event(newer, 301, 1_700_000_002_000));
    await send(event(older, 302, 1_700_000_003_000)); // the older recording is the most recently active
    await stack.drain();
    const { body } = await stack.get(`/rooms/trtc/${DEV_APPS.trtc}/${roomId}`);
    expect(body.recordings.map((recording: { taskId: string }) => recording.taskId)).toEqual([newer, older]);
    expect((await stack.get(`/rooms/trtc/${DEV_APPS.trtc}/${roomId}?limit=0`)).statusCode).toBe(400);
  });
});

describe('delivery faults', () => {
  it('counts duplicates once: vendor retries, Chat relays and replays of the same events', async () => {
    const taskId = uniqueId('dup');
    const lifecycle = trtcLifecycle(taskId);
    for (const sample of lifecycle) await send(sample);
    // Vendor retries: same content, new CallbackTs.
    for (const sample of lifecycle) {
      const retried = JSON.parse(sample.body);
      retried.CallbackTs += 10_000;
      await send({ ...sample, body: JSON.stringify(retried) });
    }
    // The 305 relayed through Chat as well.
    const relayed = JSON.parse(lifecycle[4]?.body ?? '{}');
    await send({
      name: 'relay',
      endpoint: 'tencent-im',
      appId: DEV_APPS.trtc,
      body: JSON.stringify({ CallbackCommand: 'Live.CallbackAfterCloudRecordingChanged', ...relayed }),
    });
    await stack.drain();
    const { body } = await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${taskId}`);
    expect(body).toMatchObject({ status: 'completed', eventCount: 5 });
  });

  it('a poison message reaches the DLQ after maxReceiveCount receives, and its batch-mates are applied', async () => {
    const taskId = uniqueId('batch-mate');
    await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: stack.stack.queueUrl, MessageBody: 'not a queued callback' }),
    );
    await send({ name: 'ok', endpoint: 'tencent-trtc', appId: DEV_APPS.trtc, body: trtcBody(301, { taskId }) });
    const consumer = stack.poller();
    let receives = 0;
    for (let attempt = 0; attempt < 50 && (await stack.queueDepth(stack.stack.queueUrl)) > 0; attempt += 1) {
      receives += (await consumer.pollOnce(0)).failed;
    }
    expect(receives).toBe(stack.stack.maxReceiveCount);
    expect(await stack.queueDepth(stack.stack.deadLetterQueueUrl)).toBe(1);
    await stack.project();
    const { body } = await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${taskId}`);
    expect(body).toMatchObject({ status: 'recording', eventCount: 1 });
  });

  it('answers 503 when the queue does not exist, and nothing is stored', async () => {
    const queueUrl = process.env.QUEUE_URL;
    const { SqsCallbackQueue, createSqsClient } = await import('../../lib/adapters/sqs-callback-queue');
    const queue = new SqsCallbackQueue({
      client: createSqsClient(`${queueUrl}-missing`, localClientConfig(stack.stack.sqsEndpoint)),
      queueUrl: `${queueUrl}-missing`,
    });
    await expect(
      queue.send({
        version: 1,
        endpoint: 'tencent-gme',
        appId: '1',
        receivedAt: 0,
        query: {},
        headers: {},
        body: '{}',
      }),
    ).rejects.toMatchObject({ status: 503 });
  });
});

describe('query', () => {
  it('answers 404 for an unknown recording or room, and 400 for an unknown platform', async () => {
    expect((await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/no-such-task`)).statusCode).toBe(404);
    expect((await stack.get(`/rooms/gme/${DEV_APPS.gme}/no-such-room`)).statusCode).toBe(404);
    expect((await stack.get(`/recordings/zoom/1/2`)).statusCode).toBe(400);
  });

  it('decodes a percent-encoded task id exactly once', async () => {
    const taskId = uniqueId('a*b-c%2A');
    await send({ name: 'x', endpoint: 'tencent-trtc', appId: DEV_APPS.trtc, body: trtcBody(301, { taskId }) });
    await stack.drain();
    expect((await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${encodeURIComponent(taskId)}`)).body.taskId).toBe(
      taskId,
    );
  });

  it('keeps two GME tasks that JSON.parse would merge apart', async () => {
    for (const taskId of ['446946705284000001', '446946705284000003']) {
      await send({
        name: 'gme',
        endpoint: 'tencent-gme',
        appId: DEV_APPS.gme,
        body: gmeBody({ taskId, eventType: 1, seqNo: 0 }),
      });
    }
    await stack.drain();
    for (const taskId of ['446946705284000001', '446946705284000003']) {
      const { body } = await stack.get(`/recordings/gme/${DEV_APPS.gme}/${taskId}`);
      expect(body).toMatchObject({ taskId, eventCount: 1 });
    }
  });
});
