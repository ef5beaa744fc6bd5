import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { SUMMARY_SORT_KEY, toSummaryItem } from '../../../lib/adapters/table-layout';
import type { SummaryVersion } from '../../../lib/model/recording-event';
import { createStreamPublishHandler } from '../../../lib/publish/stream-handler';
import { FakeBus } from '../../helpers/publication';

const version = (taskId: string, status: SummaryVersion['status'], overrides: Partial<SummaryVersion> = {}) => ({
  platform: 'trtc' as const,
  appId: '1400000001',
  taskId,
  statusFacts: [status],
  status,
  firstFiles: [],
  eventCount: 1,
  eventTypes: { '301': 1 },
  fileCount: 0,
  roomId: '635055',
  startedAt: 1_000,
  updatedAt: 5_000,
  reconciliation: null,
  ...overrides,
});

/** A summary version on the stream, marked as a status change, as the projector writes it. */
const summaryRecord = (sequence: string, current: SummaryVersion | ReturnType<typeof version>): DynamoDBRecord => {
  const item = toSummaryItem(current as SummaryVersion, sequence.padStart(30, '0'), 86_400_000, null);
  return {
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: sequence,
      Keys: marshall({ pk: item.pk, sk: SUMMARY_SORT_KEY }) as never,
      NewImage: marshall(item, { removeUndefinedValues: true }) as never,
    },
  };
};

function handlerWith(bus = new FakeBus()) {
  const warnings: string[] = [];
  const counted: Record<string, string>[] = [];
  const handler = createStreamPublishHandler({
    publisher: bus,
    summaries: { getSummaryVersion: async () => null },
    logger: { info: () => {}, warn: (message) => warnings.push(message) },
    countOutcome: (_metric, dimensions) => counted.push(dimensions),
    sleep: async () => {},
  });
  return { bus, handler, warnings, counted };
}

describe('a record the publisher cannot handle', () => {
  // p's first version says 2 files but carries none: no detail can describe it.
  const poisoned = summaryRecord('200', version('p', 'completed', { fileCount: 2 }));
  const records = [
    summaryRecord('100', version('a', 'recording')),
    poisoned,
    summaryRecord('300', version('b', 'recording')),
    summaryRecord('400', version('a', 'stopped', { updatedAt: 6_000 })),
  ];

  it('is the only record reported, with what comes after it; what came before is published once', async () => {
    const { bus, handler, warnings, counted } = handlerWith();
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
    expect(bus.published.map((event) => [event.detail.taskId, event.detail.status])).toEqual([['a', 'recording']]);
    expect(warnings).toContain('recording event cannot be built, left for the stream to isolate');
    expect(counted).toContainEqual({ reason: 'DetailNotBuilt' });
  });

  it('redelivered from it (the stream retrying), it fails alone: nothing behind it is published twice', async () => {
    const { bus, handler } = handlerWith();
    await handler({ Records: records });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await handler({ Records: records.slice(1) })).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
    }
    // Given up on (its dead letter), the stream moves past it: its batch-mates are published once.
    expect(await handler({ Records: records.slice(2) })).toEqual({ batchItemFailures: [] });
    const ids = bus.published.map((event) => event.detail.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(bus.published.map((event) => [event.detail.taskId, event.detail.status])).toEqual([
      ['a', 'recording'],
      ['b', 'recording'],
      ['a', 'stopped'],
    ]);
  });

  it('a record whose image cannot even be read is isolated the same way', async () => {
    const { bus, handler } = handlerWith();
    const unreadable: DynamoDBRecord = {
      eventName: 'MODIFY',
      dynamodb: {
        SequenceNumber: '250',
        Keys: marshall({ pk: 'REC#trtc#1400000001#q', sk: SUMMARY_SORT_KEY }) as never,
        NewImage: { statusChanged: { BOOL: true }, status: {} } as never,
      },
    };
    expect(
      await handler({ Records: [records[0] as DynamoDBRecord, unreadable, records[2] as DynamoDBRecord] }),
    ).toEqual({ batchItemFailures: [{ itemIdentifier: '250' }] });
    expect(bus.published.map((event) => event.detail.taskId)).toEqual(['a']);
  });
});
