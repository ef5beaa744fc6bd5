import { describe, expect, it } from 'vitest';
import {
  AGORA_UPLOADED_RETRY_BODY,
  AGORA_VECTORS,
  agoraBody,
  agoraLifecycle,
  agoraSample,
} from '../../../fixtures/agora-samples';
import { applyDeliveries, interpretSample } from '../../../fixtures/interpret';
import { parseAppsDocument } from '../../../lib/config/apps';
import { AppNotAllowedError, VerificationError } from '../../../lib/errors';
import { parseJsonObject } from '../../../lib/json';
import type { RecordingState } from '../../../lib/model/recording-state';
import { createAgoraProvider, signAgoraBody } from '../../../lib/providers/agora';

const provider = createAgoraProvider();
const { uploaded } = AGORA_VECTORS;
const oneApp = parseAppsDocument({ apps: [{ platform: 'agora', appId: 'A1', ncsSecret: uploaded.secret }] }, 'test');
const twoApps = parseAppsDocument(
  {
    apps: [
      { platform: 'agora', appId: 'A1', ncsSecret: [uploaded.secret, 'older-secret'] },
      { platform: 'agora', appId: 'A2', ncsSecret: 'other' },
    ],
  },
  'test',
);

const authenticate = (
  headers: Record<string, string>,
  options: { query?: Record<string, string>; apps?: typeof oneApp; body?: string } = {},
) =>
  provider.authenticate(
    {
      endpoint: 'agora',
      body: Buffer.from(options.body ?? uploaded.body),
      headers,
      query: options.query ?? {},
      receivedAt: 0,
    },
    { apps: options.apps ?? oneApp, body: () => parseJsonObject(options.body ?? uploaded.body) },
  );

describe('Agora NCS signatures (PROTOCOLS.md §6 vectors)', () => {
  it.each(Object.entries(AGORA_VECTORS))('%s: SHA-1 and SHA-256 hex through the production signer', (_name, vector) => {
    expect(signAgoraBody(vector.secret, vector.body)).toEqual({ v1: vector.v1, v2: vector.v2 });
  });

  it('the retry and the wrong-key vectors', () => {
    expect(AGORA_UPLOADED_RETRY_BODY).not.toBe(uploaded.body);
    expect(signAgoraBody(uploaded.secret, AGORA_UPLOADED_RETRY_BODY)).toEqual({
      v1: uploaded.retryV1,
      v2: uploaded.retryV2,
    });
    expect(signAgoraBody(uploaded.wrongKey, uploaded.body).v2).toBe(uploaded.wrongKeyV2);
  });
});

describe('Agora verification', () => {
  it('verifies V2; V1 only when V2 is absent', () => {
    expect(authenticate({ 'agora-signature-v2': uploaded.v2 }).appId).toBe('A1');
    expect(authenticate({ 'agora-signature': uploaded.v1 }).appId).toBe('A1');
    expect(authenticate({ 'agora-signature': uploaded.v1, 'agora-signature-v2': uploaded.v2 }).appId).toBe('A1');
  });

  it('a wrong V2 is refused even when V1 is right', () => {
    expect(() => authenticate({ 'agora-signature': uploaded.v1, 'agora-signature-v2': uploaded.wrongKeyV2 })).toThrow(
      VerificationError,
    );
    expect(() => authenticate({ 'agora-signature-v2': uploaded.wrongKeyV2 })).toThrow(VerificationError);
    expect(() => authenticate({})).toThrow(VerificationError);
  });

  it('a SHA-1 digest in the V2 header is not a SHA-256 digest', () => {
    expect(() => authenticate({ 'agora-signature-v2': uploaded.v1 })).toThrow(VerificationError);
  });

  it('the app comes from the URL; without it, only when exactly one agora app is configured (README, "The apps document")', () => {
    const v2 = { 'agora-signature-v2': uploaded.v2 };
    expect(authenticate(v2, { query: { appId: 'A1' }, apps: twoApps }).appId).toBe('A1');
    expect(() => authenticate(v2, { apps: twoApps })).toThrow(AppNotAllowedError);
    expect(() => authenticate(v2, { query: { appId: 'A3' }, apps: twoApps })).toThrow(AppNotAllowedError);
    // The right secret of another app does not make the request that app's.
    expect(() => authenticate(v2, { query: { appId: 'A2' }, apps: twoApps })).toThrow(VerificationError);
    expect(() => authenticate(v2, { query: { appId: 'A1' } })).not.toThrow();
  });
});

describe('Agora interpretation', () => {
  const vectorEvent = interpretSample({
    ...agoraSample('v', { sid: 's', eventType: 31, details: {} }),
    body: uploaded.body,
  });

  it('the 31 vector: task = payload.sid, two uploaded files without URLs, completed', () => {
    expect(vectorEvent).toMatchObject({
      platform: 'agora',
      taskId: '38f8e3cfdc474cd56fc1ceba380d7e1a',
      roomId: 'room-42',
      eventType: '31',
      code: 0,
      occurredAt: 1700000604990,
    });
    expect(vectorEvent.files.map((file) => [file.url, file.status])).toEqual([
      [null, 'uploaded'],
      [null, 'uploaded'],
    ]);
    expect(applyDeliveries([vectorEvent]).status).toBe('completed');
  });

  it('a resend (only notifyMs changes) is the same event; noticeId and the top-level sid do not count', () => {
    const retry = interpretSample({
      ...agoraSample('r', { sid: 's', eventType: 31, details: {} }),
      body: AGORA_UPLOADED_RETRY_BODY,
    });
    expect(retry.eventId).toBe(vectorEvent.eventId);
    const otherNotice = uploaded.body
      .replace('"noticeId":"a1b2', '"noticeId":"ffff')
      .replace(/"sid":"38f8[^"]*","payload"/, '"payload"');
    expect(
      interpretSample({ ...agoraSample('n', { sid: 's', eventType: 31, details: {} }), body: otherNotice }).eventId,
    ).toBe(vectorEvent.eventId);
    const nextEvent = uploaded.body.replace('"sequence":7', '"sequence":8');
    expect(
      interpretSample({ ...agoraSample('n', { sid: 's', eventType: 31, details: {} }), body: nextEvent }).eventId,
    ).not.toBe(vectorEvent.eventId);
  });

  it('acknowledges other products without modelling them', () => {
    const result = provider.interpret({
      appId: 'A1',
      query: {},
      body: parseJsonObject(AGORA_VECTORS.vendor1.body),
    });
    expect(result).toEqual({ kind: 'unmodelled', label: 'productId 1' });
  });

  it('fileList as a string (3, 4) or an array, named fileName or filename (71)', () => {
    const files = (eventType: number, details: Record<string, unknown>) =>
      interpretSample(agoraSample('f', { sid: 's', eventType, details })).files.map((file) => file.name);
    expect(files(4, { fileList: 's.m3u8' })).toEqual(['s.m3u8']);
    expect(files(3, { status: 5, fileList: 's.m3u8' })).toEqual(['s.m3u8']);
    expect(files(71, { code: 0, fileList: [{ filename: 'a.mp4', sliceStartTime: 1 }, { fileName: 'b.mp4' }] })).toEqual(
      ['a.mp4', 'b.mp4'],
    );
    expect(files(32, { status: 0, fileList: [{ fileName: 'c.m3u8' }] })).toEqual(['c.m3u8']);
    expect(files(45, { fileName: 'prefix/snap.jpg' })).toEqual(['prefix/snap.jpg']);
    expect(files(31, { msgName: 'uploaded', status: 0 })).toEqual([]);
  });

  it('refuses a cloud-recording event without payload.sid', () => {
    const body = agoraBody({ sid: '', eventType: 40, details: {} });
    expect(() => interpretSample({ ...agoraSample('x', { sid: '', eventType: 40, details: {} }), body })).toThrow(
      /sid/,
    );
  });
});

describe('Agora status rule (README, "Status rules"; PROTOCOLS.md §6)', () => {
  const state = (events: [number, Record<string, unknown>][]): RecordingState =>
    applyDeliveries(
      events.map(([eventType, details], sequence) =>
        interpretSample(agoraSample('s', { sid: 'sid-1', eventType, details, sequence })),
      ),
    );

  it.each<[string, [number, Record<string, unknown>][], string]>([
    ['40 only', [[40, { status: 0 }]], 'recording'],
    [
      '40, 41 (16), 31 (0)',
      [
        [40, { status: 0 }],
        [41, { leaveCode: 16 }],
        [31, { status: 0 }],
      ],
      'completed',
    ],
    [
      '40 and 41 (4)',
      [
        [40, { status: 0 }],
        [41, { leaveCode: 4 }],
      ],
      'stopped',
    ],
    [
      '40 and 41 (16)',
      [
        [40, { status: 0 }],
        [41, { leaveCode: 16 }],
      ],
      'stopped',
    ],
    [
      '11 exitStatus 1 with a completion',
      [
        [31, { status: 0 }],
        [11, { exitStatus: 1 }],
      ],
      'failed',
    ],
    [
      '11 exitStatus 0',
      [
        [40, { status: 0 }],
        [11, { exitStatus: 0 }],
      ],
      'completed',
    ],
    ['32 backuped', [[32, { status: 0, fileList: [{ fileName: 'x' }] }]], 'completed'],
    ['41 leaveCode 0: initialization failed', [[41, { leaveCode: 0 }]], 'failed'],
    ['40 abnormal status', [[40, { status: 1 }]], 'failed'],
    [
      '72 capability limit',
      [
        [40, { status: 0 }],
        [72, { limitType: 'WebGL' }],
      ],
      'failed',
    ],
    [
      '71 code 1 (max hours)',
      [
        [70, {}],
        [71, { code: 1 }],
      ],
      'stopped',
    ],
    [
      '71 code 4',
      [
        [70, {}],
        [71, { code: 4 }],
      ],
      'failed',
    ],
    ['3 status 7', [[3, { status: 7 }]], 'stopped'],
    ['3 status 20', [[3, { status: 20 }]], 'failed'],
    [
      'neutral events only',
      [
        [1, { errorLevel: 5 }],
        [2, { warnCode: 31 }],
      ],
      'recording',
    ],
    [
      '61 VoD done',
      [
        [60, {}],
        [61, {}],
      ],
      'completed',
    ],
  ])('%s → %s', (_name, events, status) => {
    expect(state(events).status).toBe(status);
  });

  it('the lifecycle sample ends completed, with its m3u8 uploaded', () => {
    const result = applyDeliveries(agoraLifecycle('sid-lc').map(interpretSample));
    expect(result.status).toBe('completed');
    expect(result.files).toEqual([{ name: 'sid-lc_room-42.m3u8', url: null, status: 'uploaded' }]);
  });

  it('a file only event 32 names waits in the vendor backup', () => {
    const result = state([[32, { status: 0, fileList: [{ fileName: 'b.mp4' }] }]]);
    expect(result.files).toEqual([{ name: 'b.mp4', url: null, status: 'pending_upload' }]);
  });
});
