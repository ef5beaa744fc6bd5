import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { SUMMARY_SORT_KEY, toSummaryItem } from '../../../lib/adapters/table-layout';
import type { SummaryVersion } from '../../../lib/model/recording-event';
import { createStreamPublishHandler } from '../../../lib/publish/stream-handler';
import { FakeBus, MemoryDeadLetters, TABLELESS_READER } from '../../helpers/publication';

const version = (taskId: string, status: SummaryVersion['status'], overrides: Partial<SummaryVersion> = {}) => ({
  platform: 'trtc' as const,
  appId: '1400000001',
  taskId,
  statusFacts: [status],
  status,
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

function handlerWith(bus = new FakeBus(), deadLetters = new MemoryDeadLetters()) {
  const warnings: string[] = [];
  const counted: Record<string, string>[] = [];
  const handler = createStreamPublishHandler({
    deadLetters,
    publisher: bus,
    // No file items at all: a version that counts files has none to show.
    summaries: { ...TABLELESS_READER, versionFiles: async () => ({ files: [], nextCursor: null }) },
    logger: { info: () => {}, warn: (message) => warnings.push(message) },
    countOutcome: (_metric, dimensions) => counted.push(dimensions),
    sleep: async () => {},
  });
  return { bus, handler, warnings, counted, deadLetters };
}

describe('a record the publisher cannot handle', () => {
  // p's first version says 2 files but carries none: no detail can describe it, ever.
  const poisoned = summaryRecord('200', version('p', 'completed', { fileCount: 2 }));
  const records = [
    summaryRecord('100', version('a', 'recording')),
    poisoned,
    summaryRecord('300', version('b', 'recording')),
    summaryRecord('400', version('a', 'stopped', { updatedAt: 6_000 })),
  ];

  it('is dead-lettered at once, alone; its batch-mates are published once and nothing is retried', async () => {
    const { bus, handler, warnings, counted, deadLetters } = handlerWith();
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(bus.published.map((event) => [event.detail.taskId, event.detail.status])).toEqual([
      ['a', 'recording'],
      ['b', 'recording'],
      ['a', 'stopped'],
    ]);
    expect(deadLetters.letters.map((letter) => letter.sequence)).toEqual(['200']);
    expect(deadLetters.letters[0]?.reason).toMatch(/fileCount of 2/);
    expect(warnings).toContain('recording event cannot be built: dead-lettered');
    expect(counted).toContainEqual({ reason: 'DetailNotBuilt' });
  });

  it('when its dead letter cannot be queued, the stream retries from it (nothing lost), and nothing before it twice', async () => {
    const deadLetters = new MemoryDeadLetters();
    deadLetters.failing = true;
    const { bus, handler } = handlerWith(new FakeBus(), deadLetters);
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
    deadLetters.failing = false;
    // The stream redelivers from 200: a's first version is not in the batch again.
    expect(await handler({ Records: records.slice(1) })).toEqual({ batchItemFailures: [] });
    expect(deadLetters.letters.map((letter) => letter.sequence)).toEqual(['200']);
    const ids = bus.published.map((event) => event.detail.id);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual(
      // b and a's second change went out in the first invocation too: at least once, same ids.
      bus.published.slice(3).map((event) => event.detail.id),
    );
  });

  it('a record whose image cannot even be read is dead-lettered the same way', async () => {
    const { bus, handler, deadLetters } = handlerWith();
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
    ).toEqual({ batchItemFailures: [] });
    expect(bus.published.map((event) => event.detail.taskId)).toEqual(['a', 'b']);
    expect(deadLetters.letters.map((letter) => [letter.sequence, letter.reason.slice(0, 15)])).toEqual([
      ['250', 'image not read:'],
    ]);
  });

  it('an outage of the bus is retried by the stream, never dead-lettered', async () => {
    const down = new FakeBus(() => 'ServiceUnavailable');
    const { handler, deadLetters } = handlerWith(down);
    expect(await handler({ Records: [records[0] as DynamoDBRecord] })).toEqual({
      batchItemFailures: [{ itemIdentifier: '100' }],
    });
    expect(deadLetters.letters).toEqual([]);
  });
});
