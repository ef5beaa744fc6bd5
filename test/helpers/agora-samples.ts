import fc from 'fast-check';
import type { LogicalEvent } from './event-arbitraries';
import type { Sample } from './samples';

/** The dev agora app of config/apps.local.json. */
export const AGORA_DEV_APP = 'agoraDevApp0000000000000000000001';

/** PROTOCOLS.md §6 vectors, byte for byte. */
export const AGORA_VECTORS = {
  vendor1: {
    secret: 'secret',
    body: '{"eventMs":1560408533119,"eventType":10,"noticeId":"4eb720f0-8da7-11e9-a43e-53f411c2761f","notifyMs":1560408533119,"payload":{"a":"1","b":2},"productId":1}',
    v1: '033c62f40f687675f17f0f41f91a40c71c0f134c',
    v2: '6d3320c60b11101395b7fc8f9068748808a0aa1bfa064438e39d1bc2c7d74d99',
  },
  vendor2: {
    secret: 'secret',
    body: '{"eventType":10,"noticeId":"4eb720f0-8da7-11e9-a43e-53f411c2761f","notifyMs":1560408533119,"payload":{"a":"1","b":2},"productId":1}',
    v1: '5a3bb6a6d9fad2ea9ae3fb707a14c9d7f3136df1',
    v2: 'de96da5acf03b0021ac3b4fa2225e7ae6f3533a30d50bb02c08ea4fa748bda24',
  },
  uploaded: {
    secret: 'agora-ncs-test-secret',
    body: '{"noticeId":"a1b2c3d4e5f60718293a4b5c6d7e8f90","productId":3,"eventType":31,"notifyMs":1700000605123,"sid":"38f8e3cfdc474cd56fc1ceba380d7e1a","payload":{"cname":"room-42","uid":"527841","sid":"38f8e3cfdc474cd56fc1ceba380d7e1a","sequence":7,"sendts":1700000604990,"serviceType":2,"details":{"msgName":"uploaded","status":0,"fileList":[{"fileName":"38f8e3cfdc474cd56fc1ceba380d7e1a_room-42.m3u8","trackType":"audio_and_video","uid":"0","mixedAllUser":true,"isPlayable":true,"sliceStartTime":1700000001234},{"fileName":"38f8e3cfdc474cd56fc1ceba380d7e1a_room-42_20231114221321234_0.mp4","trackType":"audio_and_video","uid":"0","mixedAllUser":true,"isPlayable":true,"sliceStartTime":1700000001234}]}}}',
    v1: 'ee864a2e5e745532a388da3c22a93ee1ae1d60aa',
    v2: '446aa02af40b8311e6a35df6d722c08d997689908f0a5873a43a27a0745baac7',
    retryV1: '28957af5379368d19711da22aa8f038ccd4ca2f2',
    retryV2: 'ce47daa5f7704b92f29edd1baa893c73318aeece08137fc1f428436448c5a30c',
    wrongKey: 'agora-ncs-test-secreT',
    wrongKeyV2: '75e4d3b7fdcbcb92faa9a8ca499bf903c6a0ca915a8ed593a137c52a38bf1e9e',
  },
} as const;

/** The vector's retry: only notifyMs changes (PROTOCOLS.md §6). */
export const AGORA_UPLOADED_RETRY_BODY = AGORA_VECTORS.uploaded.body.replace(
  '"notifyMs":1700000605123',
  '"notifyMs":1700000615456',
);

export interface AgoraEventOptions {
  sid: string;
  eventType: number;
  details: Record<string, unknown>;
  sequence?: number;
  cname?: string;
  notifyMs?: number;
  productId?: number;
}

/** An NCS cloud-recording body (PROTOCOLS.md §6). */
export function agoraBody(options: AgoraEventOptions): string {
  const sequence = options.sequence ?? options.eventType;
  return JSON.stringify({
    noticeId: `notice-${options.sid}-${sequence}`,
    productId: options.productId ?? 3,
    eventType: options.eventType,
    notifyMs: options.notifyMs ?? 1700000000000 + sequence * 1000 + 7,
    sid: options.sid,
    payload: {
      cname: options.cname ?? 'room-42',
      uid: '527841',
      sid: options.sid,
      sequence,
      sendts: 1700000000000 + sequence * 1000,
      serviceType: 0,
      details: options.details,
    },
  });
}

export const agoraSample = (name: string, options: AgoraEventOptions): Sample => ({
  name,
  endpoint: 'agora',
  appId: AGORA_DEV_APP,
  query: { appId: AGORA_DEV_APP },
  body: agoraBody(options),
});

/** 40 → 4 → 41 (leaveCode 16) → 31 (status 0): `completed` (README, "Status rules"). */
export function agoraLifecycle(sid: string): Sample[] {
  const events: [number, Record<string, unknown>][] = [
    [40, { msgName: 'recorder_started', status: 0 }],
    [4, { msgName: 'cloud_recording_file_infos', fileList: `${sid}_room-42.m3u8` }],
    [41, { msgName: 'recorder_leave', leaveCode: 16 }],
    [
      31,
      {
        msgName: 'uploaded',
        status: 0,
        fileList: [{ fileName: `${sid}_room-42.m3u8`, trackType: 'audio_and_video', uid: '0' }],
      },
    ],
  ];
  return events.map(([eventType, details], sequence) =>
    agoraSample(`agora-${eventType}`, { sid, eventType, details, sequence }),
  );
}

/**
 * A logical Agora event for the convergence properties. Deliveries differ in what a resend or a
 * redundant copy changes: notifyMs, noticeId and the top-level sid (PROTOCOLS.md §6).
 */
export const agoraEvent = (sid: string): fc.Arbitrary<LogicalEvent> =>
  fc
    .record({
      sequence: fc.nat(2),
      event: fc.oneof(
        fc.record({ eventType: fc.constant(40), details: fc.record({ status: fc.constantFrom(0, 0, 1) }) }),
        fc.record({ eventType: fc.constant(41), details: fc.record({ leaveCode: fc.constantFrom(0, 4, 16) }) }),
        fc.record({ eventType: fc.constant(4), details: fc.constant({ fileList: `${sid}.m3u8` }) }),
        fc.record({
          eventType: fc.constantFrom(31, 32),
          details: fc.record({
            status: fc.constantFrom(0, 0, 1),
            fileList: fc.constantFrom([{ fileName: `${sid}.m3u8` }], [{ filename: `${sid}_0.mp4` }]),
          }),
        }),
        fc.record({ eventType: fc.constant(11), details: fc.record({ exitStatus: fc.constantFrom(0, 1) }) }),
        fc.record({ eventType: fc.constant(33), details: fc.record({ progress: fc.constantFrom(0, 5000, 10000) }) }),
        fc.record({ eventType: fc.constant(1), details: fc.record({ errorLevel: fc.constantFrom(1, 5) }) }),
        fc.record({
          eventType: fc.constant(71),
          details: fc.record({ code: fc.nat(6), fileList: fc.constant([{ filename: `${sid}-web.mp4` }]) }),
        }),
      ),
    })
    .map(({ sequence, event: { eventType, details } }) => ({
      key: `${sid}:${eventType}:${sequence}:${JSON.stringify(details)}`,
      deliver: (variant: number): Sample => {
        const body = JSON.parse(
          agoraBody({ sid, eventType, details, sequence, notifyMs: 1_700_000_000_000 + variant }),
        );
        body.noticeId = `notice-${variant}`;
        if (variant % 2) delete body.sid;
        return { ...agoraSample('agora', { sid, eventType, details }), body: JSON.stringify(body) };
      },
    }));
