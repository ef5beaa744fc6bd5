import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordingEvent } from '../../../lib/model/events';
import { type AppliedEvent, deriveRecordingState, eventSortKey, mergeFiles } from '../../../lib/model/recording-state';
import { additionsInOrder, foldIntoSummary, summaryToState } from '../../../lib/model/recording-summary';
import { STATUS_RULES } from '../../../lib/providers/registry';
import {
  agoraEvent,
  gmeEvent,
  liveKitEvent,
  reconciliationFacts,
  resentGmeEvent,
  schedule,
  sparkEvent,
  trtcEvent,
} from '../../helpers/event-arbitraries';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const options = { now: 10_000, staleAfterMs: 5_000, rules: STATUS_RULES };

/** The store's dedupe: the first delivery of each identity is applied, at its place in the schedule. */
function distinctEvents(deliveries: readonly RecordingEvent[]): AppliedEvent[] {
  const applied = new Map<string, AppliedEvent>();
  deliveries.forEach((event, index) => {
    const key = eventSortKey(event);
    if (!applied.has(key)) applied.set(key, { ...event, appliedAt: 1_000 * index });
  });
  return [...applied.values()];
}

/**
 * Folds the events in batches, counting each file name and segment fact once, for the first event
 * folded that brings it.
 */
function foldInBatches(first: RecordingEvent, events: readonly AppliedEvent[], cuts: readonly number[]) {
  const brought = new Set<string>();
  let summary = null;
  let start = 0;
  for (const end of [...cuts.map((cut) => cut % (events.length + 1)).sort((a, b) => a - b), events.length]) {
    const additions = additionsInOrder(STATUS_RULES, first, events.slice(start, Math.max(start, end)), brought);
    summary = foldIntoSummary(first, summary, additions, STATUS_RULES);
    start = Math.max(start, end);
  }
  return summary;
}

describe.each([
  ['trtc', trtcEvent('task-1')],
  ['gme', gmeEvent('446946705284000001')],
  ['gme resent', resentGmeEvent('446946705284000001')],
  ['sparkrtc', sparkEvent('job-1')],
  ['agora', agoraEvent('sid-1')],
  ['livekit', liveKitEvent('EG_1')],
] as const)('%s summary', (_platform, event) => {
  it('folded in any batches and any order, equals the derivation from the set of distinct events', () => {
    fc.assert(
      fc.property(schedule(event), fc.array(fc.nat()), fc.nat(), ({ deliveries }, cuts, seed) => {
        const first = deliveries[0] as RecordingEvent;
        const events = distinctEvents(deliveries);
        const shuffled = [...events].sort((a, b) =>
          `${a.eventType}${a.appliedAt * seed}`.localeCompare(`${b.eventType}${b.appliedAt * seed}`),
        );
        const summary = foldInBatches(first, shuffled, cuts);
        if (!summary) throw new Error('no summary');
        // Files come from their own items (the table's tests check those); here, every file on one page.
        const state = summaryToState(summary, { files: mergeFiles(events), nextCursor: null }, options);
        expect(state).toEqual(deriveRecordingState(first, events, options));
      }),
      { numRuns: RUNS },
    );
  });
});

describe.each([
  ['trtc', trtcEvent('task-1')],
  ['sparkrtc', sparkEvent('job-1')],
  ['livekit', liveKitEvent('EG_1')],
  ['gme', resentGmeEvent('446946705284000001')],
  ['agora', agoraEvent('sid-1')],
] as const)('%s with reconciliation facts (README, "Lost callbacks")', (_platform, event) => {
  const interleave = (deliveries: readonly RecordingEvent[], facts: readonly RecordingEvent[], seed: number) => {
    const mixed = [...deliveries];
    // Each fact twice, at places the seed picks: facts are deduplicated like any event.
    for (const [index, fact] of [...facts, ...facts].entries())
      mixed.splice((seed * (index + 7)) % (mixed.length + 1), 0, fact);
    return mixed;
  };

  it('state stays a pure function of the set: any batches and order, fold equals derivation', () => {
    fc.assert(
      fc.property(
        schedule(event),
        fc.array(fc.nat()),
        fc.nat(),
        reconciliationFacts({ platform: _platform, appId: 'app', taskId: 'task' }),
        ({ deliveries }, cuts, seed, facts) => {
          const first = deliveries[0] as RecordingEvent;
          const keyed = facts.map((fact) => ({ ...fact, appId: first.appId, taskId: first.taskId }));
          const events = distinctEvents(interleave(deliveries, keyed, seed));
          const shuffled = [...events].sort((a, b) =>
            `${a.eventType}${a.appliedAt * seed}`.localeCompare(`${b.eventType}${b.appliedAt * seed}`),
          );
          const summary = foldInBatches(first, shuffled, cuts);
          if (!summary) throw new Error('no summary');
          const state = summaryToState(summary, { files: mergeFiles(events), nextCursor: null }, options);
          expect(state).toEqual(deriveRecordingState(first, [...events].reverse(), options));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('ended lifts an unfinished recording to stopped, failed to failed; a terminal status stands; facts move no quiet period', () => {
    fc.assert(
      fc.property(
        schedule(event),
        fc.nat(),
        reconciliationFacts({ platform: _platform, appId: 'app', taskId: 'task' }),
        ({ deliveries }, seed, facts) => {
          const first = deliveries[0] as RecordingEvent;
          const applied = distinctEvents(interleave(deliveries, facts, seed));
          const own = deriveRecordingState(
            first,
            applied.filter((applied) => !applied.reconciliation),
            options,
          );
          const withFacts = deriveRecordingState(first, applied, options);
          const said = new Set(facts.map((fact) => fact.reconciliation?.vendorStatus));
          const expected =
            own.status === 'completed' || own.status === 'failed'
              ? own.status
              : said.has('failed')
                ? 'failed'
                : said.has('ended')
                  ? 'stopped'
                  : own.status;
          expect(withFacts.status).toBe(expected);
          expect(withFacts.eventCount).toBe(own.eventCount + new Set(facts.map((fact) => fact.eventId)).size);
          expect(withFacts.files).toEqual(own.files);
          expect(withFacts.updatedAt).toBe(own.updatedAt);
          expect(withFacts.reconciliation === null).toBe(facts.length === 0);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
