import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SummaryItem, sequenceText, toSummary, toSummaryItem } from '../../../lib/adapters/table-layout';
import type { RecordingEvent } from '../../../lib/model/events';
import { statusChangeOf } from '../../../lib/model/recording-event';
import {
  type AppliedEvent,
  deriveRecordingState,
  eventSortKey,
  type RecordingStatus,
} from '../../../lib/model/recording-state';
import { additionsInOrder, foldIntoSummary } from '../../../lib/model/recording-summary';
import { STATUS_RULES } from '../../../lib/providers/registry';
import { createStreamPublishHandler } from '../../../lib/publish/stream-handler';
import { gmeEvent, type LogicalEvent, schedule, sparkEvent, trtcEvent } from '../../helpers/event-arbitraries';
import { checkPublications, FakeBus, MemoryDeadLetters, PERFECT, TABLELESS_READER } from '../../helpers/publication';

const RUNS = Number(process.env.PUBLICATION_PROPERTY_RUNS ?? 150);
const SILENT = { info: () => {}, warn: () => {} };
const versionOf = (item: SummaryItem) => ({ ...toSummary(item), lastSequence: item.lastSequence });
const keyOf = (event: RecordingEvent) => `${event.platform}#${event.appId}#${event.taskId}`;
const applied = (event: RecordingEvent, appliedAt: number): AppliedEvent => ({
  eventType: event.eventType,
  code: event.code,
  seqNo: event.seqNo,
  files: event.files,
  roomId: event.roomId,
  occurredAt: event.occurredAt,
  appliedAt,
});

/**
 * The table's stream as the projector writes it, without DynamoDB: each delivery that is new is an
 * event item INSERT; the projector folds them in batches of the given sizes into one summary
 * version per recording and batch (an INSERT or MODIFY of the summary item, with both images).
 */
function tableStream(deliveries: readonly RecordingEvent[], batchSizes: readonly number[]) {
  const seen = new Set<string>();
  const fresh: { event: RecordingEvent; appliedAt: number }[] = [];
  for (const event of deliveries) {
    const id = `${keyOf(event)}#${eventSortKey(event)}`;
    if (!seen.has(id)) fresh.push({ event, appliedAt: 1_700_000_000_000 + fresh.length });
    seen.add(id);
  }
  const records: DynamoDBRecord[] = [];
  const summaries = new Map<string, SummaryItem>();
  const named = new Map<string, Set<string>>();
  const changeIds = new Map<string, string[]>();
  let sequence = 1_000;
  const record = (eventName: 'INSERT' | 'MODIFY', keys: object, image: object, old?: object): DynamoDBRecord => ({
    eventName,
    dynamodb: {
      Keys: marshall(keys) as never,
      NewImage: marshall(image, { removeUndefinedValues: true }) as never,
      OldImage: old && (marshall(old, { removeUndefinedValues: true }) as never),
      SequenceNumber: String(sequence++),
    },
  });
  for (let start = 0, batch = 0; start < fresh.length; batch += 1) {
    const size = batchSizes[batch % batchSizes.length] ?? 1;
    const slice = fresh.slice(start, start + size);
    start += size;
    const eventSequences = slice.map(({ event }) => {
      const inserted = record('INSERT', { pk: keyOf(event), sk: eventSortKey(event) }, { eventType: event.eventType });
      records.push(inserted);
      return inserted.dynamodb?.SequenceNumber ?? '';
    });
    const groups = new Map<string, { event: RecordingEvent; appliedAt: number; sequence: string }[]>();
    slice.forEach((entry, index) => {
      const key = keyOf(entry.event);
      groups.set(key, [...(groups.get(key) ?? []), { ...entry, sequence: eventSequences[index] ?? '' }]);
    });
    for (const [key, group] of groups) {
      const first = (group[0] as (typeof group)[number]).event;
      const files = named.get(key) ?? new Set<string>();
      named.set(key, files);
      const current = summaries.get(key);
      const summary = foldIntoSummary(
        first,
        current ? toSummary(current) : null,
        // What the projector's file and segment items say: the first event to bring a name or segment fact counts it.
        additionsInOrder(
          STATUS_RULES,
          first,
          group.map(({ event, appliedAt }) => applied(event, appliedAt)),
          files,
        ),
        STATUS_RULES,
      );
      const item = toSummaryItem(
        summary,
        sequenceText(group[group.length - 1]?.sequence ?? ''),
        86_400_000,
        current ?? null,
      );
      records.push(record(current ? 'MODIFY' : 'INSERT', { pk: item.pk, sk: item.sk }, item, current));
      const change = statusChangeOf(current && versionOf(current), versionOf(item));
      if (change) changeIds.set(key, [...(changeIds.get(key) ?? []), change.id]);
      summaries.set(key, item);
    }
  }
  const finals = new Map<string, { finalStatus: RecordingStatus; changeIds: string[] }>();
  for (const [key, item] of summaries) {
    const events = fresh.filter(({ event }) => keyOf(event) === key);
    const derived = deriveRecordingState(
      item,
      events.map(({ event, appliedAt }) => applied(event, appliedAt)),
      { now: 0, staleAfterMs: 1, rules: STATUS_RULES },
    );
    expect(item.status).toBe(derived.status);
    finals.set(key, { finalStatus: derived.status, changeIds: changeIds.get(key) ?? [] });
  }
  return { records, finals };
}

/**
 * Lambda's event source mapping, simplified: batches in stream order, resume at the record a
 * response reports, and the whole batch again when the function throws.
 */
async function deliverStream(
  records: readonly DynamoDBRecord[],
  handler: ReturnType<typeof createStreamPublishHandler>,
  batchSizes: readonly number[],
) {
  let position = 0;
  for (let invocation = 0; position < records.length; invocation += 1) {
    if (invocation > 10_000) throw new Error('the stream never drained');
    const batch = records.slice(position, position + (batchSizes[invocation % batchSizes.length] ?? 1));
    try {
      const { batchItemFailures } = await handler({ Records: batch });
      const failedAt = batchItemFailures[0]?.itemIdentifier;
      position =
        failedAt === undefined
          ? position + batch.length
          : records.findIndex((record) => record.dynamodb?.SequenceNumber === failedAt);
    } catch {
      // A crashed invocation: the same batch comes back.
    }
  }
}

/** A bus that refuses entries (partial failures) and crashes after accepting a call, while `dice` lasts. */
function flakyBus(dice: readonly number[], refusePercent: number, crashPercent: number) {
  let roll = 0;
  const next = () => dice[roll++ % dice.length] ?? 0;
  const faulty = () => roll < dice.length * 4;
  const bus = new FakeBus(() => (faulty() && next() < refusePercent ? 'ThrottlingException' : undefined));
  const publish = bus.publish.bind(bus);
  bus.publish = async (events) => {
    const failures = await publish(events);
    if (faulty() && next() < crashPercent) throw new Error('crashed after publishing');
    return failures;
  };
  return bus;
}

const PLATFORMS: [string, (taskId: string) => fc.Arbitrary<LogicalEvent>][] = [
  ['trtc', trtcEvent],
  ['gme', gmeEvent],
  ['sparkrtc', sparkEvent],
];
const TASKS: Record<string, string[]> = {
  trtc: ['trtc-a', 'trtc-b', 'trtc-c'],
  gme: ['446946705284000001', '446946705284000002', '446946705284000003'],
  sparkrtc: ['spark-a', 'spark-b', 'spark-c'],
};

describe.each(PLATFORMS)('%s status changes published from the summary stream', (platform, eventFor) => {
  it('are never lost, never regress for a deduping consumer, end with the final status, with stable ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        schedule(fc.oneof(...(TASKS[platform] ?? []).map(eventFor)), { maxEvents: 20, maxCopies: 4 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(99), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 30 }),
        async ({ deliveries }, projectorBatches, streamBatches, dice, refusePercent, crashPercent) => {
          const { records, finals } = tableStream(deliveries, projectorBatches);
          const bus = flakyBus(dice, refusePercent, crashPercent);
          const handler = createStreamPublishHandler({
            deadLetters: new MemoryDeadLetters(),
            publisher: bus,
            summaries: TABLELESS_READER,
            logger: SILENT,
            countOutcome: () => {},
            maxAttempts: 2,
            sleep: async () => {},
          });
          await deliverStream(records, handler, streamBatches);
          expect(checkPublications(bus.published, finals)).toMatchObject(PERFECT);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
