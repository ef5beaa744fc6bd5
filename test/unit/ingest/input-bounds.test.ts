import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { agoraBody } from '../../../fixtures/agora-samples';
import { liveKitBody } from '../../../fixtures/livekit-samples';
import { gmeBody, type Sample, sparkRtcBody, trtcBody } from '../../../fixtures/samples';
import { signTestRequest } from '../../../fixtures/sign-test-request';
import { INGEST_TEST_KEYS as KEYS } from '../../../fixtures/test-secrets';
import { parseAppsDocument } from '../../../lib/config/apps';
import { handleCallback } from '../../../lib/ingest/handle-callback';
import { parseJsonObject } from '../../../lib/json';
import { INPUT_BOUNDS } from '../../../lib/model/input-bounds';
import { decodeQueuedCallback, encodeQueuedCallback } from '../../../lib/model/queued-callback';
import { createProviderRegistry } from '../../../lib/providers/registry';
import { MemoryQueue } from '../../helpers/memory-queue';

// README, "Input bounds": whatever ingest acknowledges, every later stage can apply.
const APPS = parseAppsDocument(
  {
    apps: [
      { platform: 'trtc', appId: '1400000003', imToken: KEYS['tencent-im'], callbackKey: KEYS['tencent-trtc'] },
      { platform: 'gme', appId: '1400000000', secretKey: KEYS['tencent-gme'] },
      { platform: 'sparkrtc', appId: 'spark-app', authKey: KEYS['huawei-sparkrtc'] },
      { platform: 'agora', appId: 'agora-app', ncsSecret: KEYS.agora },
      { platform: 'livekit', appId: 'lk-app', apiKeys: { APIlkCurrent: KEYS.livekit[0] } },
    ],
  },
  'test',
);
const logger = new Logger({ serviceName: 'input-bounds-test' });
// biome-ignore lint/suspicious/noExplicitAny: the tests edit vendor bodies freely, field by field.
type Body = Record<string, any>;

async function ingest(sample: Sample) {
  const key =
    sample.endpoint === 'livekit' ? { keyId: 'APIlkCurrent', secret: KEYS.livekit[0] } : KEYS[sample.endpoint][0];
  const queue = new MemoryQueue();
  const { answer } = await handleCallback(signTestRequest(sample, { key }), {
    providers: createProviderRegistry(),
    loadApps: async () => APPS,
    queue,
    logger,
    countOutcome: () => {},
  });
  return { status: answer.statusCode, body: JSON.parse(answer.body) as Record<string, unknown>, queue };
}

const trtc = (body: string): Sample => ({ name: 'trtc', endpoint: 'tencent-trtc', appId: '1400000003', body });
const trtcWith = (edit: (body: Body) => void): Sample => {
  const body = JSON.parse(trtcBody(307, { taskId: 'task-1', payload: { FileName: 'a.ts' } }));
  edit(body);
  return trtc(JSON.stringify(body));
};
const chatRoomUpdate = (eventTime: number): Sample => ({
  name: 'chat-room',
  endpoint: 'tencent-im',
  appId: '1400000003',
  query: { CallbackCommand: 'Room.CallbackAfterUpdateRoomInfo' },
  body: JSON.stringify({
    CallbackCommand: 'Room.CallbackAfterUpdateRoomInfo',
    EventTime: eventTime,
    RoomInfo: { RoomId: 'room-1', Name: 'x' },
  }),
});
const gme = (timestamp: number, seqNo = 0): Sample => ({
  name: 'gme',
  endpoint: 'tencent-gme',
  appId: '1400000000',
  body: gmeBody({ taskId: '446946705284000001', eventType: 1, seqNo, timestamp }),
});
const spark = (startTime: string): Sample => {
  const body = JSON.parse(sparkRtcBody('RECORD_FILE_COMPLETE', { jobId: 'job-1', file: 'a.mp4', appId: 'spark-app' }));
  body.start_time = startTime;
  return { name: 'spark', endpoint: 'huawei-sparkrtc', appId: 'spark-app', body: JSON.stringify(body) };
};
const agora = (sendts: number): Sample => {
  const body = JSON.parse(agoraBody({ sid: 'sid-1', eventType: 40, details: { status: 0 } }));
  body.payload.sendts = sendts;
  return {
    name: 'agora',
    endpoint: 'agora',
    appId: 'agora-app',
    query: { appId: 'agora-app' },
    body: JSON.stringify(body),
  };
};
const liveKit = (edit: (body: Body) => void = () => {}): Sample => {
  const body = JSON.parse(liveKitBody({ egressId: 'EG_1', event: 'egress_started', id: 'EV_1' }));
  edit(body);
  return { name: 'livekit', endpoint: 'livekit', appId: 'lk-app', body: JSON.stringify(body) };
};
const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { n: nested(depth - 1) });

describe('input bounds at ingest: refused with a 400 naming the field, nothing queued', () => {
  it.each<[string, Sample, RegExp]>([
    [
      'TRTC EventMsTs 9e15 (a safe integer, not a Date)',
      trtcWith((b) => {
        b.EventInfo.EventMsTs = 9e15;
      }),
      /EventMsTs/,
    ],
    [
      'TRTC EventTs before 2000',
      trtcWith((b) => {
        b.EventInfo.EventTs = 946684799;
      }),
      /EventTs/,
    ],
    [
      'TRTC CallbackTs in 2100',
      trtcWith((b) => {
        b.CallbackTs = Date.UTC(2100, 0, 1);
      }),
      /CallbackTs/,
    ],
    [
      'TRTC EventMsTs negative',
      trtcWith((b) => {
        b.EventInfo.EventMsTs = -1;
      }),
      /EventMsTs/,
    ],
    ['Chat room EventTime 9e15', { ...chatRoomUpdate(9e15) }, /EventTime/],
    ['GME Timestamp 9e12 seconds', gme(9e12), /Timestamp/],
    ['GME negative SeqNo', gme(1675930605, -1), /SeqNo/],
    ['SparkRTC start_time in 2200', spark('2200-01-01T00:00:00Z'), /start_time/],
    ['SparkRTC start_time not a time', spark('yesterday'), /start_time/],
    ['Agora sendts 9e15', agora(9e15), /sendts/],
    [
      'LiveKit createdAt 9e12 s',
      liveKit((b) => {
        b.createdAt = '9000000000000';
      }),
      /createdAt/,
    ],
    [
      'LiveKit startedAt in 1970',
      liveKit((b) => {
        b.egressInfo.startedAt = '1000000000';
      }),
      /startedAt/,
    ],
    [
      'TRTC task id of 513 bytes',
      trtcWith((b) => {
        b.EventInfo.TaskId = 't'.repeat(513);
      }),
      /task id exceeds 512 bytes/,
    ],
    [
      'TRTC task id of 1,100 bytes',
      trtcWith((b) => {
        b.EventInfo.TaskId = 'é'.repeat(550);
      }),
      /task id/,
    ],
    [
      'TRTC room id of 513 bytes',
      trtcWith((b) => {
        b.EventInfo.RoomId = 'r'.repeat(513);
      }),
      /room id/,
    ],
    [
      'TRTC user id of 513 bytes',
      trtcWith((b) => {
        b.EventInfo.UserId = 'u'.repeat(513);
      }),
      /UserId/,
    ],
    [
      'TRTC task id with a lone surrogate',
      trtcWith((b) => {
        b.EventInfo.TaskId = 'a\ud800';
      }),
      /well-formed/,
    ],
    [
      'a file name of 1,025 bytes',
      trtcWith((b) => {
        b.EventInfo.Payload.FileName = 'f'.repeat(1025);
      }),
      /file name/,
    ],
    [
      'a file name of control characters',
      trtcWith((b) => {
        b.EventInfo.Payload.FileName = '\u0001'.repeat(1000);
      }),
      /as JSON/,
    ],
    [
      'nesting 65 levels',
      trtcWith((b) => {
        b.Extra = nested(64);
      }),
      /nests deeper than 64/,
    ],
    [
      'nesting 3,500 levels',
      trtcWith((b) => {
        b.Extra = nested(3500);
      }),
      /nests deeper than 64/,
    ],
  ])('%s', async (_name, sample, reason) => {
    const { status, body, queue } = await ingest(sample);
    expect(status).toBe(400);
    expect(body.message ?? body.ErrorInfo ?? body.result).toMatch(reason);
    expect(queue.sent).toHaveLength(0);
  });
});

describe('input bounds at ingest: the largest values accepted', () => {
  it.each<[string, Sample]>([
    [
      'EventMsTs 2000-01-01T00:00:00Z',
      trtcWith((b) => {
        b.EventInfo.EventMsTs = INPUT_BOUNDS.earliestTimeMs;
      }),
    ],
    [
      'EventMsTs the last ms before 2100',
      trtcWith((b) => {
        b.EventInfo.EventMsTs = INPUT_BOUNDS.latestTimeMs - 1;
      }),
    ],
    [
      'a task id of 512 bytes',
      trtcWith((b) => {
        b.EventInfo.TaskId = '任'.repeat(170) + 'ab';
      }),
    ],
    [
      'a file name of 1,024 bytes',
      trtcWith((b) => {
        b.EventInfo.Payload.FileName = 'f'.repeat(1024);
      }),
    ],
    [
      'nesting 64 levels',
      trtcWith((b) => {
        b.Extra = nested(62);
      }),
    ],
    [
      'LiveKit startedAt "0" (protojson zero: unset)',
      liveKit((b) => {
        b.egressInfo.startedAt = '0';
      }),
    ],
  ])('%s', async (_name, sample) => {
    const { status, queue } = await ingest(sample);
    expect(status).toBe(200);
    expect(queue.sent).toHaveLength(1);
  });
});

describe('strings are queued exactly, whatever code points they hold', () => {
  it.each([
    ['U+FFFE and U+FFFF', 'room \ufffe\uffff'],
    ['an emoji (above U+FFFF)', 'room 😀'],
    ['an escaped lone surrogate in free text', 'room \ud800 end'],
    ['control characters', 'a\u0000b\u001f'],
  ])('%s', async (_name, text) => {
    const { status, queue } = await ingest(
      trtcWith((b) => {
        b.EventInfo.Payload.Note = text;
      }),
    );
    expect(status).toBe(200);
    const [queued] = queue.sent;
    if (!queued) throw new Error('nothing queued');
    const wire = encodeQueuedCallback(queued);
    // Within SQS's character set (and the local emulator's, which refuses anything above U+FFFF).
    expect(wire).toMatch(/^[\t\n\r\u0020-\ud7ff\ue000-\ufffd]*$/);
    const back = decodeQueuedCallback(wire);
    expect(back.body).toBe(queued.body);
    expect((parseJsonObject(back.body).EventInfo as Body).Payload.Note).toBe(text);
  });
});

describe('event types outside the documented set are acknowledged, not queued', () => {
  it.each<[string, Sample]>([
    ['TRTC 399', trtc(trtcBody(399, { taskId: 'task-1' }))],
    ['TRTC 300', trtc(trtcBody(300, { taskId: 'task-1' }))],
    ['Agora 9999', { ...agora(1700000000000), body: agoraBody({ sid: 's', eventType: 9999, details: {} }) }],
  ])('%s', async (_name, sample) => {
    const { status, queue } = await ingest(sample);
    expect(status).toBe(200);
    expect(queue.sent).toHaveLength(0);
  });
});
