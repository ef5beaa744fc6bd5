import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDeliveries, interpretSample } from '../../../fixtures/interpret';
import type { RecordingEvent } from '../../../lib/model/events';
import { RECORDING_STATUSES, type RecordingStatus } from '../../../lib/model/recording-state';
import { agoraEvent, gmeEvent, liveKitEvent, schedule, sparkEvent, trtcEvent } from '../../helpers/event-arbitraries';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

const TASK = 'task-Ab*-9';
const GME_TASK = '446946705284000001';

const PLATFORMS = [
  ['trtc', trtcEvent(TASK)],
  ['gme', gmeEvent(GME_TASK)],
  ['sparkrtc', sparkEvent('job-1')],
  ['agora', agoraEvent('38f8e3cfdc474cd56fc1ceba380d7e1a')],
  ['livekit', liveKitEvent('EG_k3XqYV9z8pTw')],
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
/** The order of README, "Recording events", for Agora and LiveKit: recording → stopped → failed/completed. */
const terminalRank = { recording: 0, stopped: 1, failed: 2, completed: 2 } as const;

describe('no regression', () => {
  it.each([
    ['trtc', trtcEvent(TASK)],
    ['sparkrtc', sparkEvent('job-1')],
    ['agora', agoraEvent('sid-1')],
    ['livekit', liveKitEvent('EG_1')],
  ] as const)('%s: every prefix of a schedule ranks at least as high as the one before', (platform, event) => {
    const rankOf = platform === 'agora' || platform === 'livekit' ? (s: RecordingStatus) => terminalRank[s] : rank;
    fc.assert(
      fc.property(schedule(event), ({ deliveries }) => {
        let previous = -1;
        for (let i = 1; i <= deliveries.length; i += 1) {
          const current = rankOf(applyDeliveries(deliveries.slice(0, i)).status);
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
      fc.property(schedule(gmeEvent(GME_TASK)), ({ deliveries }) => {
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
