import { describe, expect, it } from 'vitest';
import { applyDeliveries, interpretSample } from '../../../fixtures/interpret';
import {
  DEV_APPS,
  gmeBody,
  type Sample,
  SEED_000,
  SEED_001,
  SEED_003,
  SEED_004,
  sparkRtcBody,
  trtcBody,
  trtcLifecycle,
} from '../../../fixtures/samples';
import { parseJsonObject } from '../../../lib/json';
import { deriveRecordingState } from '../../../lib/model/recording-state';
import { createProviderRegistry, STATUS_RULES } from '../../../lib/providers/registry';

const trtc = (eventType: number, payload: Record<string, unknown>, taskId = 'task-1'): Sample => ({
  name: `trtc-${eventType}`,
  endpoint: 'tencent-trtc',
  appId: DEV_APPS.trtc,
  body: trtcBody(eventType, { taskId, payload }),
});
const gme = (eventType: number, seqNo: number, taskId = '446946705284000001'): Sample => ({
  name: `gme-${eventType}-${seqNo}`,
  endpoint: 'tencent-gme',
  appId: DEV_APPS.gme,
  body: gmeBody({ taskId, eventType, seqNo }),
});
const spark = (eventType: string, file?: string): Sample => ({
  name: eventType,
  endpoint: 'huawei-sparkrtc',
  appId: DEV_APPS.sparkrtc,
  body: sparkRtcBody(eventType, { jobId: 'job-1', file }),
});
const statusOf = (samples: Sample[]) => applyDeliveries(samples.map(interpretSample)).status;

describe('README "Status rules": required outcomes', () => {
  it.each([
    ['301, 303, 304, 302, 305 → completed', trtcLifecycle('t'), 'completed'],
    ['the same set reversed → completed', trtcLifecycle('t').reverse(), 'completed'],
    ['301 (Status 0) only → recording', [trtc(301, { Status: 0 })], 'recording'],
    ['301 (Status 0) and 302 → stopped', [trtc(301, { Status: 0 }), trtc(302, { LeaveCode: 0 })], 'stopped'],
    ['301 (Status 1) only → failed', [trtc(301, { Status: 1 })], 'failed'],
    [
      'types 1, 2, 3 for every SeqNo → completed',
      [gme(1, 0), gme(2, 0), gme(3, 0), gme(3, 1), gme(2, 1), gme(1, 1)],
      'completed',
    ],
    ['type 1 without type 2 for some SeqNo → recording', [gme(1, 0), gme(2, 0), gme(3, 0), gme(1, 1)], 'recording'],
    [
      'SparkRTC start, complete, over → completed',
      [spark('RECORD_NEW_FILE_START'), spark('RECORD_FILE_COMPLETE', 'a.mp4'), spark('CLOUD_RECORD_SERVER_OVER')],
      'completed',
    ],
    ['SparkRTC start only → recording', [spark('RECORD_NEW_FILE_START')], 'recording'],
  ] as const)('%s', (_name, samples, expected) => {
    expect(statusOf([...samples])).toBe(expected);
  });
});

describe('documented rules beyond the contract table', () => {
  it.each([
    [
      'TRTC 305 Status 1 (files left on the vendor side) → stopped',
      [trtc(301, { Status: 0 }), trtc(305, { Status: 1 })],
      'stopped',
    ],
    [
      'TRTC 305 Status 1 then 2 (leftovers uploaded) → completed',
      [trtc(305, { Status: 1 }), trtc(305, { Status: 2 })],
      'completed',
    ],
    ['TRTC 305 with LeaveCode instead of Status → completed', [trtc(305, { LeaveCode: 0 })], 'completed'],
    ['TRTC failed start then stop → failed', [trtc(301, { Status: 1 }), trtc(302, { LeaveCode: 0 })], 'failed'],
    ['GME all finished, one not uploaded → stopped', [gme(1, 0), gme(2, 0)], 'stopped'],
    ['GME type 1 and 3 but no 2 → recording', [gme(1, 0), gme(3, 0)], 'recording'],
    ['SparkRTC over with no complete file → stopped', [spark('CLOUD_RECORD_OVER')], 'stopped'],
  ] as const)('%s', (_name, samples, expected) => {
    expect(statusOf([...samples])).toBe(expected);
  });
});

describe('files', () => {
  it('lists files from 304, 307, 310 and 311, once by name, with the furthest status', () => {
    const state = applyDeliveries(
      [
        trtc(304, { FileList: 'play.m3u8' }),
        trtc(307, { FileName: 'slice-1.ts', UserId: 'u', TrackType: 'audio_video', BeginTimeStamp: 1 }),
        trtc(310, { Status: 1, FileList: ['a.mp4'], FileMessage: [{ FileName: 'a.mp4', UserId: 'u' }] }),
        trtc(311, { Status: 0, TencentVod: { CacheFile: 'a.mp4', VideoUrl: 'https://vod.example.com/a.mp4' } }),
      ].map(interpretSample),
    );
    expect(state.files).toEqual([
      { name: 'a.mp4', url: 'https://vod.example.com/a.mp4', status: 'uploaded' },
      { name: 'play.m3u8', url: null, status: 'uploaded' },
      { name: 'slice-1.ts', url: null, status: 'uploaded' },
    ]);
  });

  it('names GME files by Detail.FileName and SparkRTC files by obs_object with download_url', () => {
    expect(applyDeliveries([gme(1, 0), gme(2, 0)].map(interpretSample)).files).toEqual([
      { name: expect.stringContaining('_446946705284000001_0_audio.mp3'), url: null, status: 'recorded' },
    ]);
    expect(applyDeliveries([interpretSample(SEED_003)]).files).toEqual([
      {
        name: expect.stringMatching(/^Record\/Record\/.*\.m3u8$/),
        url: expect.stringMatching(/^https:\/\/abc-rtc-bucket2\.obs\./),
        status: 'uploaded',
      },
    ]);
  });
});

describe('identity', () => {
  it('keeps GME task ids above 2^53 exact and distinct', () => {
    const a = interpretSample(gme(1, 0, '446946705284000001'));
    const b = interpretSample(gme(1, 0, '446946705284000003'));
    expect(a.taskId).toBe('446946705284000001');
    expect(b.taskId).toBe('446946705284000003');
    expect(a.eventId).not.toBe(b.eventId);
    expect(interpretSample(SEED_001).taskId).toBe('446946705284000000');
  });

  it('treats a vendor retry (new CallbackTs or Timestamp) as the same event', () => {
    const first = interpretSample({
      ...trtc(301, { Status: 0 }),
      body: trtcBody(301, { taskId: 'x', callbackTs: 1_700_000_000_001 }),
    });
    const retry = interpretSample({
      ...trtc(301, { Status: 0 }),
      body: trtcBody(301, { taskId: 'x', callbackTs: 1_700_000_000_002 }),
    });
    expect(retry.eventId).toBe(first.eventId);
    const gmeRetry = interpretSample({
      ...gme(1, 0),
      body: gmeBody({ taskId: '7', eventType: 1, seqNo: 0, timestamp: 1_700_000_099 }),
    });
    expect(gmeRetry.eventId).toBe(
      interpretSample({ ...gme(1, 0), body: gmeBody({ taskId: '7', eventType: 1, seqNo: 0 }) }).eventId,
    );
  });

  it('treats a second slice or segment of the same task as a new event', () => {
    const slice = (name: string) => interpretSample(trtc(307, { FileName: name }));
    expect(slice('a.ts').eventId).not.toBe(slice('b.ts').eventId);
    expect(interpretSample(gme(1, 0)).eventId).not.toBe(interpretSample(gme(1, 1)).eventId);
  });

  it('feeds one recording from Chat and from TRTC, deduplicating the relayed 305', () => {
    const viaChat = interpretSample(SEED_000);
    const direct = JSON.parse(SEED_000.body);
    delete direct.CallbackCommand;
    direct.EventInfo.RoomId = 635055; // a number on this endpoint
    const viaTrtc = interpretSample({
      name: 'trtc',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: JSON.stringify(direct),
    });
    expect([viaTrtc.platform, viaTrtc.taskId, viaTrtc.eventId]).toEqual([
      viaChat.platform,
      viaChat.taskId,
      viaChat.eventId,
    ]);
    expect(applyDeliveries([viaChat, viaTrtc]).eventCount).toBe(1);
  });

  it('keeps slice events out of the room index, and everything else in it', () => {
    expect(interpretSample(trtc(307, { FileName: 'a.ts' })).indexInRoom).toBe(false);
    expect(interpretSample(trtc(301, { Status: 0 })).indexInRoom).toBe(true);
  });
});

describe('room info (the Chat room-info sample)', () => {
  it('normalizes the string boolean and keeps EventTime for last-writer-wins', () => {
    const provider = createProviderRegistry().get('tencent-im');
    const result = provider?.interpret({
      appId: DEV_APPS.trtc,
      query: {},
      body: parseJsonObject(SEED_004.body),
    });
    expect(result?.kind).toBe('event');
    if (result?.kind !== 'event' || result.event.kind !== 'room') throw new Error('expected a room event');
    expect(result.event).toMatchObject({ roomId: 'rid-123', eventTime: 1670574414123, operator: 'bob' });
    expect(result.event.roomInfo.IsCloudRecordingDisabled).toBe(false);
    expect(result.event.roomInfo.MaxMemberCount).toBe(300);
  });
});

describe('stale', () => {
  it('marks an unfinished recording stale after the threshold, and a finished one never', () => {
    const event = { ...interpretSample(trtc(301, { Status: 0 })), appliedAt: 0 };
    const options = { now: 10_000, staleAfterMs: 5_000, rules: STATUS_RULES };
    expect(deriveRecordingState(event, [event], options).stale).toBe(true);
    const done = { ...interpretSample(trtc(305, { Status: 0 })), appliedAt: 0 };
    expect(deriveRecordingState(event, [event, done], options).stale).toBe(false);
  });
});
