import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretSample } from '../../../fixtures/interpret';
import { DEV_APPS, gmeBody } from '../../../fixtures/samples';
import { toSummaryItem } from '../../../lib/adapters/table-layout';
import type { RecordingEvent } from '../../../lib/model/events';
import { VENDOR_STATUSES } from '../../../lib/model/reconciliation';
import {
  type AppliedEvent,
  deriveRecordingState,
  eventSortKey,
  type RecordingKey,
  segmentFacts,
  statusFacts,
} from '../../../lib/model/recording-state';
import {
  additionsInOrder,
  foldIntoSummary,
  legacySegments,
  type RecordingSummary,
  summaryToState,
} from '../../../lib/model/recording-summary';
import { reconciliationFactEvent } from '../../../lib/model/sweep-message';
import { STATUS_RULES } from '../../../lib/providers/registry';
import { reconciliationFacts, resentGmeEvent, schedule } from '../../helpers/event-arbitraries';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const OPTIONS = { now: 10_000, staleAfterMs: 5_000, rules: STATUS_RULES };
const TASK = '446946705284000001';
const KEY: RecordingKey = { platform: 'gme', appId: DEV_APPS.gme, taskId: TASK };
const LEGACY_OWNER = 'legacy';

interface Stored {
  readonly sk: string;
  readonly event: AppliedEvent;
}

/** The store's dedupe: the first delivery of each identity becomes an event item, in delivery order. */
function storedEvents(deliveries: readonly RecordingEvent[]): Stored[] {
  const stored = new Map<string, Stored>();
  deliveries.forEach((event, index) => {
    const sk = eventSortKey(event);
    if (!stored.has(sk)) stored.set(sk, { sk, event: { ...event, appliedAt: 1_000 * index } });
  });
  return [...stored.values()];
}

/** A summary as the previous release wrote it: GME's facts one `<seqNo>:<type>` per segment, no counts. */
function legacySummary(events: readonly AppliedEvent[]): RecordingSummary {
  const { segmentCounts: _counts, ...summary } = foldIntoSummary(
    KEY,
    null,
    additionsInOrder(STATUS_RULES, KEY, events),
    STATUS_RULES,
  );
  const facts = events.flatMap((event) =>
    event.reconciliation ? statusFacts(STATUS_RULES.gme, event) : [`${event.seqNo ?? 0}:${event.eventType}`],
  );
  return { ...summary, statusFacts: [...new Set(facts)].sort() };
}

/**
 * The projector over a table in memory (lib/adapters/summary-projector.ts): per batch, skip what the
 * summary holds, give the legacy segments an owner, claim each event's segment facts
 * (`if_not_exists`) in any order, then fold and put. A crash after any claim loses the batch's fold,
 * and the stream redelivers from the batch's first record, cut anew.
 */
function project(
  stream: readonly Stored[],
  cuts: readonly number[],
  crashes: readonly number[],
  seed: number,
  start: { summary: RecordingSummary | null; folded: number },
) {
  const owners = new Map<string, string>();
  const claim = (segment: string, fact: string, owner: string) => {
    const id = `${segment}#${fact}`;
    if (!owners.has(id)) owners.set(id, owner);
    return owners.get(id) === owner;
  };
  let { summary, folded } = start;
  let position = folded;
  let batch = 0;
  let crashed = 0;
  while (position < stream.length) {
    const size = 1 + ((cuts[batch % Math.max(1, cuts.length)] ?? 0) % 7);
    const records = stream.slice(position, position + size);
    batch += 1;
    const fresh = records.filter((_, index) => position + index >= folded);
    for (const [segment, facts] of summary ? legacySegments(STATUS_RULES, summary) : []) {
      for (const fact of facts) claim(segment, fact, LEGACY_OWNER);
    }
    // Claims run concurrently in the projector: any order, and the fold in stream order.
    const claimOrder = [...fresh.keys()].sort((a, b) => (((a + 1) * seed) % 13) - (((b + 1) * seed) % 13) || a - b);
    const crashAfter = crashes[batch % Math.max(1, crashes.length)] ?? -1;
    const brought = new Map<number, string[]>();
    let claims = 0;
    for (const index of claimOrder) {
      const { sk, event } = fresh[index] as Stored;
      const facts = segmentFacts(STATUS_RULES.gme, event);
      brought.set(
        index,
        (facts?.facts ?? []).filter((fact) => claim(facts?.segment ?? '', fact, sk)),
      );
      claims += 1;
      if (claims === crashAfter && crashed < 20) break;
    }
    if (claims === crashAfter && crashed < 20) {
      crashed += 1;
      continue;
    }
    summary = foldIntoSummary(
      KEY,
      summary,
      // Files count as before (file items): in memory, from the events' names.
      fresh.map(({ event }, index) => ({
        event,
        newFileCount: 0,
        newSegmentFacts: brought.get(index) ?? [],
      })),
      STATUS_RULES,
    );
    folded = position + records.length;
    position = folded;
  }
  return { summary, crashed };
}

const withoutFiles = (summary: RecordingSummary) => ({ ...summary, fileCount: 0 });

describe('GME summary with segment items', () => {
  it('equals the derivation under any order, duplicates, resent content, batches, and crash-redelivery', () => {
    fc.assert(
      fc.property(
        schedule(resentGmeEvent(TASK), { maxEvents: 16 }),
        reconciliationFacts(KEY),
        fc.array(fc.nat(), { minLength: 1 }),
        fc.array(fc.integer({ min: -1, max: 4 })),
        fc.nat(),
        ({ deliveries }, facts, cuts, crashes, seed) => {
          const stream = storedEvents([...deliveries, ...facts.map((fact) => ({ ...fact, taskId: TASK }))]);
          const events = stream.map(({ event }) => event);
          const { summary } = project(stream, cuts, crashes, seed, { summary: null, folded: 0 });
          if (!summary) throw new Error('no summary');
          const expected = foldIntoSummary(KEY, null, additionsInOrder(STATUS_RULES, KEY, events), STATUS_RULES);
          expect(withoutFiles(summary)).toEqual(withoutFiles(expected));
          const files = deriveRecordingState(KEY, events, OPTIONS).files;
          const state = summaryToState(summary, { files, nextCursor: null }, OPTIONS);
          expect({ ...state, fileCount: 0 }).toEqual({
            ...deriveRecordingState(KEY, [...events].reverse(), OPTIONS),
            fileCount: 0,
          });
          expect(summary.statusFacts.every((fact) => fact.startsWith('vendor:'))).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('read from a summary of the previous release (facts per segment), continues to the derivation', () => {
    fc.assert(
      fc.property(
        schedule(resentGmeEvent(TASK), { maxEvents: 16 }),
        fc.nat(),
        fc.array(fc.nat(), { minLength: 1 }),
        fc.array(fc.integer({ min: -1, max: 4 })),
        fc.nat(),
        ({ deliveries }, split, cuts, crashes, seed) => {
          const stream = storedEvents(deliveries);
          const folded = split % (stream.length + 1);
          const before = legacySummary(stream.slice(0, folded).map(({ event }) => event));
          const { summary } = project(stream, cuts, crashes, seed, {
            summary: folded === 0 ? null : before,
            folded,
          });
          const events = stream.map(({ event }) => event);
          const expected = foldIntoSummary(KEY, null, additionsInOrder(STATUS_RULES, KEY, events), STATUS_RULES);
          const state = (of: RecordingSummary) =>
            summaryToState(withoutFiles(of), { files: [], nextCursor: null }, OPTIONS);
          expect(state(summary as RecordingSummary)).toEqual(state(expected));
          // Once an event is folded into it, the summary is in the new shape.
          if (folded < stream.length) expect(withoutFiles(summary as RecordingSummary)).toEqual(withoutFiles(expected));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

const gme = (eventType: number, seqNo: number, roomId = '100'): AppliedEvent => ({
  ...interpretSample({
    name: 'gme',
    endpoint: 'tencent-gme',
    appId: DEV_APPS.gme,
    body: gmeBody({ taskId: TASK, eventType, seqNo, roomId }),
  }),
  appliedAt: seqNo,
});

describe('GME status table (README, "Status rules"), from the summary', () => {
  it.each([
    ['some segment has no type 2 → recording', [gme(1, 0), gme(2, 0), gme(3, 0), gme(1, 1)], 'recording'],
    ['type 1 and 3 but no 2 → recording', [gme(1, 0), gme(3, 0)], 'recording'],
    ['only a 3 → recording', [gme(3, 7)], 'recording'],
    ['every segment has 2, one lacks 3 → stopped', [gme(1, 0), gme(2, 0), gme(3, 0), gme(2, 1)], 'stopped'],
    [
      'a 2 resent with other content counts once → stopped',
      [gme(2, 0), gme(2, 0, '101'), gme(3, 0), gme(2, 1)],
      'stopped',
    ],
    ['every segment has 2 and 3 → completed', [gme(2, 0), gme(3, 0), gme(3, 5), gme(2, 5), gme(1, 5)], 'completed'],
    ['a new segment reopens a completed task → recording', [gme(2, 0), gme(3, 0), gme(1, 9)], 'recording'],
  ] as const)('%s', (_label, events, status) => {
    for (const order of [events, [...events].reverse()]) {
      const summary = foldIntoSummary(KEY, null, additionsInOrder(STATUS_RULES, KEY, order), STATUS_RULES);
      expect(summary.status).toBe(status);
      expect(deriveRecordingState(KEY, order, OPTIONS).status).toBe(status);
    }
  });
});

describe('a GME summary stays small', () => {
  it('100,000 segments with sparse SeqNos and every reconciliation answer: ≤ 64 KB, the old shape far over', () => {
    const events: AppliedEvent[] = [];
    for (let index = 0; index < 100_000; index += 1) {
      const seqNo = Number((BigInt(index) * 6_364_136_223_846_793_005n) % 2n ** 53n);
      const event = (eventType: number): AppliedEvent => ({
        eventType: String(eventType),
        code: null,
        seqNo,
        files:
          eventType === 3
            ? [{ name: `${TASK}/${String(seqNo).padStart(16, '0')}.mp3`, url: null, status: 'uploaded' }]
            : [],
        roomId: '100',
        occurredAt: null,
        appliedAt: index,
      });
      events.push(event(1), event(2));
      if (index % 2 === 0) events.push(event(3));
    }
    for (const vendorStatus of VENDOR_STATUSES) {
      for (const quietSince of [1, 2, 3]) {
        const fact = reconciliationFactEvent({
          version: 1,
          kind: 'reconciliation',
          ...KEY,
          quietSince,
          checkedAt: quietSince,
          finding: { vendorStatus, detail: 'd'.repeat(120) },
        });
        events.push({ ...fact, appliedAt: 5 });
      }
    }
    const summary = foldIntoSummary(KEY, null, additionsInOrder(STATUS_RULES, KEY, events), STATUS_RULES);
    const bytes = Buffer.byteLength(JSON.stringify(toSummaryItem(summary, '1'.repeat(40), 86_400_000, null)));
    const legacyBytes = Buffer.byteLength(JSON.stringify(legacySummary(events)));
    console.log(`GME summary of 100,000 segments: ${bytes} bytes as JSON; ${legacyBytes} in the previous shape`);
    expect(summary.segmentCounts).toEqual({ ended: 100_000, seen: 100_000, uploaded: 50_000 });
    expect(summary.status).toBe('failed');
    expect(Object.keys(summary.eventTypes)).toHaveLength(3 + VENDOR_STATUSES.length);
    expect(bytes).toBeLessThanOrEqual(64 * 1024);
    expect(legacyBytes).toBeGreaterThan(400 * 1024);
    // ≈ 3 s alone; more on a busy machine.
  }, 60_000);
});
