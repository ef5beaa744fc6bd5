import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordingEvent } from '../../../lib/model/events';
import { RECORDING_STATUSES, type RecordingStatus } from '../../../lib/model/recording-state';
import { applyDeliveries, interpretSample } from '../../helpers/interpret';
import { DEV_APPS, gmeBody, type Sample, sparkRtcBody, trtcBody } from '../../helpers/samples';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

/**
 * A logical event, plus a function that renders one delivery of it. Deliveries differ only in
 * delivery metadata (CallbackTs, Chat wrapping, GME Timestamp), exactly what a vendor retry changes.
 */
interface LogicalEvent {
  key: string;
  deliver: (variant: number) => Sample;
}

const TASK = 'task-Ab*-9';
const GME_TASK = '446946705284000001';

const trtcEvent = fc
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
  .map(
    ({ type, payload }): LogicalEvent => ({
      key: `${type}:${JSON.stringify(payload)}`,
      deliver: (variant) => {
        const body = trtcBody(type, {
          taskId: TASK,
          payload,
          callbackTs: 1_700_000_000_000 + variant,
          roomId: variant % 2 ? 635055 : '635055',
        });
        // Odd variants arrive through Chat, as Live.CallbackAfterCloudRecordingChanged.
        if (variant % 3 === 0) return { name: 'trtc', endpoint: 'tencent-trtc', appId: DEV_APPS.trtc, body };
        const wrapped = { CallbackCommand: 'Live.CallbackAfterCloudRecordingChanged', ...JSON.parse(body) };
        return { name: 'chat', endpoint: 'tencent-im', appId: DEV_APPS.trtc, body: JSON.stringify(wrapped) };
      },
    }),
  );

const gmeEvent = fc.record({ eventType: fc.constantFrom(1, 2, 3), seqNo: fc.integer({ min: 0, max: 3 }) }).map(
  ({ eventType, seqNo }): LogicalEvent => ({
    key: `${eventType}:${seqNo}`,
    deliver: (variant) => ({
      name: 'gme',
      endpoint: 'tencent-gme',
      appId: DEV_APPS.gme,
      body: gmeBody({ taskId: GME_TASK, eventType, seqNo, timestamp: 1_675_930_605 + variant }),
    }),
  }),
);

const sparkEvent = fc
  .oneof(
    fc.constant({ type: 'RECORD_NEW_FILE_START', file: undefined }),
    fc.record({ type: fc.constant('RECORD_FILE_COMPLETE'), file: fc.constantFrom('f1.mp4', 'f2.mp4', 'f3.mp4') }),
    fc.constant({ type: 'CLOUD_RECORD_SERVER_OVER', file: undefined }),
    fc.constant({ type: 'RTC_USER_ROLE_CHANGED', file: undefined }),
  )
  .map(
    ({ type, file }): LogicalEvent => ({
      key: `${type}:${file}`,
      deliver: () => ({
        name: 'spark',
        endpoint: 'huawei-sparkrtc',
        appId: DEV_APPS.sparkrtc,
        body: sparkRtcBody(type, { jobId: 'job-1', file }),
      }),
    }),
  );

/** Distinct logical events, then a delivery schedule: a permutation where each is sent 1–5 times. */
const schedule = (event: fc.Arbitrary<LogicalEvent>) =>
  fc.uniqueArray(event, { minLength: 1, maxLength: 12, selector: (logical) => logical.key }).chain((events) =>
    fc
      .tuple(...events.map(() => fc.array(fc.nat(1000), { minLength: 1, maxLength: 5 })))
      .map((variants) => events.flatMap((logical, i) => (variants[i] ?? []).map((variant) => logical.deliver(variant))))
      .chain((deliveries) => fc.shuffledSubarray(deliveries, { minLength: deliveries.length }))
      .map((deliveries) => ({ events, deliveries: deliveries.map(interpretSample) })),
  );

const PLATFORMS = [
  ['trtc', trtcEvent],
  ['gme', gmeEvent],
  ['sparkrtc', sparkEvent],
] as const;

const summary = (deliveries: RecordingEvent[]) => {
  const { status, files, eventCount } = applyDeliveries(deliveries);
  return { status, files, eventCount };
};

describe.each(PLATFORMS)('%s convergence', (_platform, event) => {
  it('any order and any duplicates give the same status, files and eventCount', () => {
    fc.assert(
      fc.property(schedule(event), fc.nat(), ({ events, deliveries }, seed) => {
        const canonical = summary(events.map((logical) => interpretSample(logical.deliver(0))));
        // Another permutation of the same deliveries, from the seed.
        const reordered = [...deliveries].sort((a, b) => (a.eventId + seed).localeCompare(b.eventId + seed));
        expect(summary(deliveries)).toEqual(canonical);
        expect(summary(reordered)).toEqual(canonical);
        expect(canonical.eventCount).toBe(events.length);
      }),
      { numRuns: RUNS },
    );
  });
});

const rank = (status: RecordingStatus) => RECORDING_STATUSES.indexOf(status);

describe('no regression', () => {
  it.each([
    ['trtc', trtcEvent],
    ['sparkrtc', sparkEvent],
  ] as const)('%s: every prefix of a schedule ranks at least as high as the one before', (_platform, event) => {
    fc.assert(
      fc.property(schedule(event), ({ deliveries }) => {
        let previous = -1;
        for (let i = 1; i <= deliveries.length; i += 1) {
          const current = rank(applyDeliveries(deliveries.slice(0, i)).status);
          expect(current).toBeGreaterThanOrEqual(previous);
          previous = current;
        }
      }),
      { numRuns: RUNS },
    );
  });

  // A GME segment never seen before is a new fact, and may truly not be finished; within the
  // segments already seen, a late event can only move the task forward.
  it('gme: a late event for a segment already seen never moves the task back', () => {
    const gmeRank = { recording: 0, stopped: 1, completed: 2, failed: 2 } as const;
    fc.assert(
      fc.property(schedule(gmeEvent), ({ deliveries }) => {
        const seen = new Set<number | null>();
        let previous = -1;
        for (let i = 1; i <= deliveries.length; i += 1) {
          const event = deliveries[i - 1] as RecordingEvent;
          const current = gmeRank[applyDeliveries(deliveries.slice(0, i)).status];
          if (seen.has(event.seqNo)) expect(current).toBeGreaterThanOrEqual(previous);
          seen.add(event.seqNo);
          previous = current;
        }
      }),
      { numRuns: RUNS },
    );
  });
});
