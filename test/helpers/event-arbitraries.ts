import fc from 'fast-check';
import { agoraBody, agoraSample } from '../../fixtures/agora-samples';
import { interpretSample } from '../../fixtures/interpret';
import { LIVEKIT_DEV_APP, liveKitBody } from '../../fixtures/livekit-samples';
import { DEV_APPS, gmeBody, type Sample, sparkRtcBody, trtcBody } from '../../fixtures/samples';
import type { RecordingEvent } from '../../lib/model/events';
import { VENDOR_STATUSES } from '../../lib/model/reconciliation';
import type { RecordingKey } from '../../lib/model/recording-state';
import { reconciliationFactEvent } from '../../lib/model/sweep-message';

/**
 * A logical event, plus a function that renders one delivery of it. Deliveries differ only in
 * delivery metadata (CallbackTs, Chat wrapping, RoomId typing, GME Timestamp): exactly what a vendor
 * retry or the Chat relay changes.
 */
export interface LogicalEvent {
  key: string;
  deliver: (variant: number) => Sample;
}

export const trtcEvent = (taskId: string): fc.Arbitrary<LogicalEvent> =>
  fc
    .oneof(
      fc.record({ type: fc.constant(301), payload: fc.record({ Status: fc.constantFrom(0, 1) }) }),
      fc.record({ type: fc.constant(302), payload: fc.record({ LeaveCode: fc.constantFrom(0, 1, 2, 99, 100) }) }),
      fc.record({ type: fc.constant(303), payload: fc.constant({ Status: 0 }) }),
      fc.record({ type: fc.constant(304), payload: fc.constant({ FileList: 'index.m3u8' }) }),
      fc.record({ type: fc.constant(305), payload: fc.record({ Status: fc.constantFrom(0, 1, 2) }) }),
      fc.record({ type: fc.constant(306), payload: fc.constant({ Status: 0 }) }),
      fc.record({
        type: fc.constant(307),
        payload: fc.record({ FileName: fc.constantFrom('s1.ts', 's2.ts', 's3.ts', 's4.ts') }),
      }),
      fc.record({
        type: fc.constant(310),
        payload: fc.record({
          Status: fc.constantFrom(0, 1, 2),
          FileMessage: fc.constantFrom([{ FileName: 'a.mp4' }], [{ FileName: 'b.mp4' }]),
        }),
      }),
      fc.record({
        type: fc.constant(311),
        payload: fc.record({
          Status: fc.constantFrom(0, 1),
          TencentVod: fc.constantFrom(
            { CacheFile: 'a.mp4', VideoUrl: 'https://vod.example.com/a.mp4' },
            { CacheFile: 'a.mp4', VideoUrl: 'https://vod2.example.com/a.mp4' },
          ),
        }),
      }),
      fc.record({ type: fc.constant(312), payload: fc.record({ Status: fc.constantFrom(0, 1) }) }),
    )
    .map(({ type, payload }) => ({
      key: `${taskId}:${type}:${JSON.stringify(payload)}`,
      deliver: (variant: number): Sample => {
        const body = trtcBody(type, {
          taskId,
          payload,
          callbackTs: 1_700_000_000_000 + variant,
          roomId: variant % 2 ? 635055 : '635055',
        });
        if (variant % 3 === 0) return { name: 'trtc', endpoint: 'tencent-trtc', appId: DEV_APPS.trtc, body };
        // Other variants arrive through Chat, as Live.CallbackAfterCloudRecordingChanged.
        const wrapped = { CallbackCommand: 'Live.CallbackAfterCloudRecordingChanged', ...JSON.parse(body) };
        return { name: 'chat', endpoint: 'tencent-im', appId: DEV_APPS.trtc, body: JSON.stringify(wrapped) };
      },
    }));

/** GME events of up to four segments. */
export const gmeEvent = (taskId: string): fc.Arbitrary<LogicalEvent> => gmeEvents(taskId, ['100']);

/**
 * GME events of which a segment's event may also come with other content (another room, so another
 * file name): a distinct event that brings a segment fact again.
 */
export const resentGmeEvent = (taskId: string): fc.Arbitrary<LogicalEvent> => gmeEvents(taskId, ['100', '101']);

const gmeEvents = (taskId: string, roomIds: readonly string[]): fc.Arbitrary<LogicalEvent> =>
  fc
    .record({
      eventType: fc.constantFrom(1, 2, 3),
      seqNo: fc.integer({ min: 0, max: 3 }),
      roomId: fc.constantFrom(...roomIds),
    })
    .map(({ eventType, seqNo, roomId }) => ({
      key: `${taskId}:${eventType}:${seqNo}:${roomId}`,
      deliver: (variant: number): Sample => ({
        name: 'gme',
        endpoint: 'tencent-gme',
        appId: DEV_APPS.gme,
        body: gmeBody({ taskId, eventType, seqNo, roomId, timestamp: 1_675_930_605 + variant }),
      }),
    }));

export const sparkEvent = (jobId: string): fc.Arbitrary<LogicalEvent> =>
  fc
    .oneof(
      fc.constant({ type: 'RECORD_NEW_FILE_START', file: undefined as string | undefined }),
      fc.record({
        type: fc.constant('RECORD_FILE_COMPLETE'),
        file: fc.constantFrom<string | undefined>('f1.mp4', 'f2.mp4', 'f3.mp4'),
      }),
      fc.constant({ type: 'CLOUD_RECORD_SERVER_OVER', file: undefined as string | undefined }),
      fc.constant({ type: 'RTC_USER_ROLE_CHANGED', file: undefined as string | undefined }),
    )
    .map(({ type, file }) => ({
      key: `${jobId}:${type}:${file}`,
      deliver: (): Sample => ({
        name: 'spark',
        endpoint: 'huawei-sparkrtc',
        appId: DEV_APPS.sparkrtc,
        body: sparkRtcBody(type, { jobId, file }),
      }),
    }));

export interface Schedule {
  /** The distinct logical events that were delivered at least once. */
  events: LogicalEvent[];
  /** Every delivery, in delivery order, interpreted as process would. */
  deliveries: RecordingEvent[];
}

/**
 * Distinct logical events, each delivered 1–`maxCopies` times with different delivery metadata,
 * all shuffled together (so several tasks' events interleave when `event` mixes tasks).
 */
export const schedule = (
  event: fc.Arbitrary<LogicalEvent>,
  options: { maxEvents?: number; maxCopies?: number } = {},
): fc.Arbitrary<Schedule> =>
  fc
    .uniqueArray(event, { minLength: 1, maxLength: options.maxEvents ?? 12, selector: (logical) => logical.key })
    .chain((events) =>
      fc
        .tuple(...events.map(() => fc.array(fc.nat(1000), { minLength: 1, maxLength: options.maxCopies ?? 5 })))
        .map((variants) =>
          events.flatMap((logical, i) => (variants[i] ?? []).map((variant) => logical.deliver(variant))),
        )
        .chain((deliveries) => fc.shuffledSubarray(deliveries, { minLength: deliveries.length }))
        .map((deliveries) => ({ events, deliveries: deliveries.map(interpretSample) })),
    );

/**
 * Reconciliation facts about one recording as process derives them from the sweep's messages:
 * every vendor status, a few details and quiet periods, so that duplicates and ties occur.
 */
export const reconciliationFacts = (key: RecordingKey): fc.Arbitrary<RecordingEvent[]> =>
  fc.array(
    fc
      .record({
        vendorStatus: fc.constantFrom(...VENDOR_STATUSES),
        detail: fc.constantFrom('InProgress', 'Exited', 'ResourceNotFound', 'timeout'),
        quietSince: fc.constantFrom(1_000, 5_000),
        checkedAt: fc.nat(20_000),
      })
      .map(({ vendorStatus, detail, quietSince, checkedAt }) =>
        reconciliationFactEvent({
          version: 1,
          kind: 'reconciliation',
          ...key,
          quietSince,
          checkedAt,
          finding: { vendorStatus, detail },
        }),
      ),
    { maxLength: 8 },
  );

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

/**
 * A logical egress event for the convergence properties. A retry is byte-identical; the other
 * delivery is the same event with Go's post-comma spaces (PROTOCOLS.md §7).
 */
export const liveKitEvent = (egressId: string): fc.Arbitrary<LogicalEvent> =>
  fc
    .record({
      step: fc.constantFrom<[string, string | undefined]>(
        ['egress_started', undefined],
        ['egress_updated', 'EGRESS_ACTIVE'],
        ['egress_updated', 'EGRESS_ENDING'],
        ['egress_ended', 'EGRESS_COMPLETE'],
        ['egress_ended', 'EGRESS_LIMIT_REACHED'],
        ['egress_ended', 'EGRESS_FAILED'],
        ['egress_ended', 'EGRESS_ABORTED'],
      ),
      file: fc.constantFrom(undefined, `${egressId}.mp4`, `${egressId}-2.mp4`),
      nth: fc.nat(1),
    })
    .map(({ step: [event, status], file, nth }) => {
      const id = `EV_${event.slice(7, 10)}${status?.slice(7, 10) ?? 'STA'}${file?.length ?? 0}${nth}`;
      const body = liveKitBody({ egressId, event, status, id, file });
      return {
        key: `${egressId}:${id}`,
        deliver: (variant: number): Sample => ({
          name: 'livekit',
          endpoint: 'livekit',
          appId: LIVEKIT_DEV_APP,
          body: variant % 2 ? body.replaceAll(',"', ', "') : body,
        }),
      };
    });
