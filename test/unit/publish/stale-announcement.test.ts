import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { staleNoticeSortKey } from '../../../lib/adapters/table-layout';
import { type SummaryVersion, staleAnnouncementOf } from '../../../lib/model/recording-event';
import { createStreamPublishHandler } from '../../../lib/publish/stream-handler';
import { FakeBus, MemoryDeadLetters, TABLELESS_READER } from '../../helpers/publication';
import { detailProblems } from '../../helpers/recording-event-schema';

const summary = (overrides: Partial<SummaryVersion> = {}): SummaryVersion => ({
  platform: 'trtc',
  appId: '1400000001',
  taskId: 'task-1',
  statusFacts: ['recording'],
  status: 'recording',
  eventCount: 1,
  eventTypes: { '301': 1 },
  fileCount: 0,
  roomId: '635055',
  startedAt: 1_000,
  updatedAt: 5_000,
  reconciliation: null,
  lastSequence: '100',
  ...overrides,
});

const noticeRecord = (quietSince: number, sequence: string): DynamoDBRecord => ({
  eventName: 'INSERT',
  dynamodb: {
    SequenceNumber: sequence,
    Keys: marshall({ pk: 'REC#trtc#1400000001#task-1', sk: staleNoticeSortKey(quietSince) }) as never,
    NewImage: marshall({
      pk: 'REC#trtc#1400000001#task-1',
      sk: staleNoticeSortKey(quietSince),
      platform: 'trtc',
      appId: '1400000001',
      taskId: 'task-1',
      quietSince,
      notedAt: 30_000_000,
    }) as never,
  },
});

function handlerWith(current: SummaryVersion | null, read: () => Promise<SummaryVersion | null> = async () => current) {
  const bus = new FakeBus();
  const handler = createStreamPublishHandler({
    deadLetters: new MemoryDeadLetters(),
    publisher: bus,
    summaries: { ...TABLELESS_READER, getSummaryVersion: read },
    logger: { info: () => {}, warn: () => {} },
    countOutcome: () => {},
    staleAfterHours: 6,
    now: () => 30_000_000,
  });
  return { bus, handler };
}

describe('Recording Stale (README, "Lost callbacks")', () => {
  it('announces a notice with the current state, one id per quiet period, and a detail the schema accepts', async () => {
    const { bus, handler } = handlerWith(summary());
    expect(await handler({ Records: [noticeRecord(5_000, '200'), noticeRecord(5_000, '201')] })).toEqual({
      batchItemFailures: [],
    });
    const [event, again] = bus.published;
    expect(event).toMatchObject({
      detailType: 'Recording Stale',
      time: new Date(30_000_000),
      detail: { status: 'recording', previousStatus: 'recording', stale: true, reconciliation: null },
    });
    expect(again?.id).toBe(event?.id);
    expect(detailProblems(event?.detail)).toEqual([]);
    const later = staleAnnouncementOf(summary({ updatedAt: 9_000, lastSequence: '300' }), {
      quietSince: 9_000,
      notedAt: 1,
    });
    expect(later?.id).not.toBe(event?.id);
  });

  it.each([
    ['a callback ended the quiet period', summary({ updatedAt: 6_000 })],
    ['the recording finished', summary({ status: 'completed', statusFacts: ['completed'] })],
    ['the recording is gone (TTL)', null],
  ])('announces nothing when %s', async (_name, current) => {
    const { bus, handler } = handlerWith(current);
    await handler({ Records: [noticeRecord(5_000, '200')] });
    expect(bus.published).toEqual([]);
  });

  it('a summary that cannot be read stops the batch at its notice: earlier ones are published, the stream retries from it', async () => {
    let reads = 0;
    const { bus, handler } = handlerWith(null, async () => {
      reads += 1;
      if (reads === 2) throw new Error('ProvisionedThroughputExceededException');
      return summary({ updatedAt: reads === 1 ? 5_000 : 7_000 });
    });
    const result = await handler({
      Records: [noticeRecord(5_000, '200'), noticeRecord(7_000, '201'), noticeRecord(7_000, '202')],
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '201' }] });
    expect(bus.published.map((event) => event.detail.updatedAt)).toEqual([new Date(5_000).toISOString()]);
    expect(reads).toBe(2);
  });
});
