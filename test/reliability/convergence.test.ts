import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDeliveries, interpretSample } from '../../fixtures/interpret';
import type { RecordingEvent } from '../../lib/model/events';
import { RECORDING_STATUSES, type RecordingStatus } from '../../lib/model/recording-state';
import {
  agoraEvent,
  gmeEvent,
  type LogicalEvent,
  liveKitEvent,
  schedule,
  sparkEvent,
  trtcEvent,
} from '../helpers/event-arbitraries';
import { FULL, recordFigures } from './figures';

const SCHEDULES = Number(process.env.CONVERGENCE_SCHEDULES ?? (FULL ? 10_000 : 300));
const TASKS = ['task-a', 'task-b', 'task-c'];
const GME_TASKS = ['446946705284000001', '446946705284000003', '9223372036854775807'];

/**
 * Status ranks for "never regresses". TRTC and SparkRTC status is a maximum over events, so it only
 * rises. GME has no task-over event: a segment never seen before may truly be unfinished, so GME
 * is held to never moving back for an event of a segment already seen.
 */
const rank = (status: RecordingStatus) => RECORDING_STATUSES.indexOf(status);
const gmeRank = { recording: 0, stopped: 1, failed: 2, completed: 2 } as const;
/** Agora and LiveKit let failure outrank completion, so they are held to the order of README, "Recording events", where both are terminal. */
const terminalRank = gmeRank;

const PLATFORMS: [string, fc.Arbitrary<LogicalEvent>][] = [
  ['trtc', fc.oneof(...TASKS.map(trtcEvent))],
  ['gme', fc.oneof(...GME_TASKS.map(gmeEvent))],
  ['sparkrtc', fc.oneof(...TASKS.map(sparkEvent))],
  ['agora', fc.oneof(...TASKS.map(agoraEvent))],
  ['livekit', fc.oneof(...TASKS.map(liveKitEvent))],
];

const byTask = (deliveries: readonly RecordingEvent[]) => {
  const tasks = new Map<string, RecordingEvent[]>();
  for (const event of deliveries) tasks.set(event.taskId, [...(tasks.get(event.taskId) ?? []), event]);
  return tasks;
};
const summary = (events: RecordingEvent[]) => {
  const { status, files, eventCount } = applyDeliveries(events);
  return { status, files, eventCount };
};

describe.each(PLATFORMS)('%s: randomized delivery schedules across three interleaved tasks', (platform, event) => {
  it(`converge to the state of the distinct delivered events and never regress (${SCHEDULES} schedules)`, () => {
    let deliveries = 0;
    let prefixesChecked = 0;
    fc.assert(
      fc.property(schedule(event, { maxEvents: 24, maxCopies: 5 }), (run) => {
        deliveries += run.deliveries.length;
        // Expected: each delivered logical event once, in a canonical order and rendering.
        const expected = byTask(run.events.map((logical) => interpretSample(logical.deliver(0))));
        const actual = byTask(run.deliveries);
        expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [taskId, events] of actual)
          expect(summary(events), taskId).toEqual(summary(expected.get(taskId) ?? []));

        const previous = new Map<string, number>();
        const seenSegments = new Set<string>();
        for (let i = 1; i <= run.deliveries.length; i += 1) {
          const latest = run.deliveries[i - 1] as RecordingEvent;
          const status = applyDeliveries(run.deliveries.slice(0, i).filter((e) => e.taskId === latest.taskId)).status;
          const segment = `${latest.taskId}#${latest.seqNo}`;
          const current =
            platform === 'gme' || platform === 'agora' || platform === 'livekit' ? terminalRank[status] : rank(status);
          const before = previous.get(latest.taskId);
          if (before !== undefined && (platform !== 'gme' || seenSegments.has(segment))) {
            expect(current, `${platform} ${latest.taskId} regressed after ${latest.eventType}`).toBeGreaterThanOrEqual(
              before,
            );
          }
          previous.set(latest.taskId, current);
          seenSegments.add(segment);
          prefixesChecked += 1;
        }
      }),
      { numRuns: SCHEDULES },
    );
    recordFigures(`convergence ${platform}`, {
      schedules: SCHEDULES,
      deliveries,
      prefixesChecked,
      mismatches: 0,
      regressions: 0,
    });
  });
});
