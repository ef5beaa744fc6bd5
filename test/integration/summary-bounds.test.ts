import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { type StreamedEvent, SummaryProjector } from '../../lib/adapters/summary-projector';
import {
  type EventItem,
  recordingPartitionKey,
  SUMMARY_SORT_KEY,
  type SummaryItem,
  toAppliedEvent,
  toSummary,
} from '../../lib/adapters/table-layout';
import { VENDOR_STATUSES } from '../../lib/model/reconciliation';
import { deriveRecordingState, eventSortKey, type RecordingKey } from '../../lib/model/recording-state';
import { summaryToListEntry } from '../../lib/model/recording-summary';
import { reconciliationFactEvent } from '../../lib/model/sweep-message';
import { documentClientFor } from '../helpers/recording-view';
import { DEV_APPS } from '../helpers/samples';
import { useLocalStack } from './local-stack';

/**
 * GME segments folded by the projector. `npm test` folds a few thousand; GME_SUMMARY_SEGMENTS=100000 is
 * the full bound (README, "Limits").
 */
const SEGMENTS = Number(process.env.GME_SUMMARY_SEGMENTS ?? 3_000);
const SUMMARY_LIMIT_BYTES = 64 * 1024;
const OPTIONS = { now: Date.parse('2026-11-23T12:00:00Z'), staleAfterMs: 6 * 3_600_000 };

let stack: Awaited<ReturnType<typeof useLocalStack>>;
beforeAll(async () => {
  stack = await useLocalStack();
});

/**
 * A DynamoDB item's size by the service's rules (names and values in UTF-8, numbers ≈ 1 byte per two
 * digits plus one, 3 bytes per map or list plus 1 per element): what the 400 KB item limit counts.
 */
function dynamoDbItemBytes(item: object): number {
  const value = (v: unknown): number => {
    if (v === null || v === undefined || typeof v === 'boolean') return 1;
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (typeof v === 'number') return Math.ceil(String(Math.abs(v)).replace(/[.-]/g, '').length / 2) + 1;
    if (v instanceof Set) return [...v].reduce((sum: number, element) => sum + value(element), 0);
    if (Array.isArray(v)) return 3 + v.reduce((sum: number, element) => sum + 1 + value(element), 0);
    return (
      3 +
      Object.entries(v as Record<string, unknown>).reduce(
        (sum, [name, element]) => sum + 1 + Buffer.byteLength(name) + value(element),
        0,
      )
    );
  };
  return Object.entries(item).reduce((sum, [name, v]) => sum + Buffer.byteLength(name) + value(v), 0);
}

/** Sparse SeqNos a hostile (but correctly signing) sender may choose: spread over every safe integer, both ends included. */
function hostileSeqNos(count: number): number[] {
  const modulus = 2n ** 53n;
  const seqNos = [0, Number.MAX_SAFE_INTEGER];
  // An odd multiplier makes this a permutation of 0 … 2^53 − 1, so every SeqNo is distinct.
  for (let i = 1; seqNos.length < count; i += 1) {
    const seqNo = Number((BigInt(i) * 6_364_136_223_846_793_005n + 1_442_695_040_888_963_407n) % modulus);
    if (seqNo !== 0 && seqNo !== Number.MAX_SAFE_INTEGER) seqNos.push(seqNo);
  }
  return seqNos.slice(0, count);
}

/** A seeded shuffle, so that a failure replays. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe('a GME recording of many segments', () => {
  it(`keeps its summary ≤ 64 KB over ${SEGMENTS} segments with sparse hostile SeqNos, equal to the derivation`, async () => {
    const client = documentClientFor(stack.stack.dynamodbEndpoint);
    const projector = new SummaryProjector({ client, tableName: stack.stack.tableName });
    const taskId = String(446946705284000000n + BigInt(Math.floor(Math.random() * 1e9)));
    const key: RecordingKey = { platform: 'gme', appId: DEV_APPS.gme, taskId };
    const pk = recordingPartitionKey(key);
    const gmeItem = (seqNo: number, eventType: number, roomId: string): EventItem => ({
      pk,
      sk: `EVENT#${eventType}#seg-${seqNo}-${roomId}`,
      ...key,
      eventType: String(eventType),
      seqNo,
      // Every upload names its file (the summary keeps a page of 100 of them).
      ...(eventType === 3 && {
        files: [{ name: `${taskId}/${String(seqNo).padStart(16, '0')}_audio.mp3`, url: null, status: 'uploaded' }],
      }),
      roomId,
      appliedAt: OPTIONS.now - 3_600_000 + (seqNo % 1_000_000) * 4 + eventType,
    });
    const items: EventItem[] = [];
    for (const [index, seqNo] of hostileSeqNos(SEGMENTS).entries()) {
      items.push(gmeItem(seqNo, 1, '100'));
      // Most segments finish, some are uploaded, and some events come again with other content (another
      // room id): distinct events that bring a segment fact already brought.
      if (index % 10 !== 0) items.push(gmeItem(seqNo, 2, '100'));
      if (index % 3 === 0) items.push(gmeItem(seqNo, 3, '100'));
      if (index % 7 === 0) items.push(gmeItem(seqNo, 2, '101'), gmeItem(seqNo, 1, '101'));
    }
    // Every reconciliation answer (each a documented event type of its own), in two quiet periods.
    for (const [index, vendorStatus] of VENDOR_STATUSES.entries()) {
      for (const quietSince of [1_000, 2_000]) {
        const event = reconciliationFactEvent({
          version: 1,
          kind: 'reconciliation',
          ...key,
          quietSince,
          checkedAt: index,
          finding: { vendorStatus, detail: `${vendorStatus} ${'x'.repeat(100)}` },
        });
        items.push({
          pk,
          sk: eventSortKey(event),
          ...key,
          eventType: event.eventType,
          appliedAt: OPTIONS.now - 60_000 + index,
          reconciled: true,
          ...(event.reconciliation && { reconciliation: event.reconciliation }),
        });
      }
    }

    // The stream: shuffled, in batches of up to 100 (the mapping's batch size), every tenth batch redelivered.
    const stream: StreamedEvent[] = shuffled(items, 42).map((item, index) => ({
      sequence: String(10n ** 20n + BigInt(index * 7)),
      item,
    }));
    const started = Date.now();
    let redelivered = 0;
    for (let start = 0, batch = 0; start < stream.length; start += 100, batch += 1) {
      const slice = stream.slice(start, start + 100);
      const result = await projector.project(slice);
      expect(result.failures).toEqual([]);
      if (batch % 10 === 5) {
        expect(await projector.project(slice)).toMatchObject({ folded: 0, skipped: slice.length, failures: [] });
        redelivered += 1;
      }
    }
    const projectMs = Date.now() - started;

    const { Item } = await client.send(
      new GetCommand({ TableName: stack.stack.tableName, Key: { pk, sk: SUMMARY_SORT_KEY }, ConsistentRead: true }),
    );
    const item = Item as SummaryItem;
    const summaryBytes = dynamoDbItemBytes(item);
    const jsonBytes = Buffer.byteLength(JSON.stringify(item));
    console.log(
      `GME, ${SEGMENTS} segments, ${items.length} distinct events (${redelivered} batches redelivered) projected in ` +
        `${projectMs} ms: summary ${summaryBytes} bytes (${jsonBytes} as JSON), status ${item.status}`,
    );
    expect(summaryBytes).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES);

    const derived = deriveRecordingState(key, items.map(toAppliedEvent), OPTIONS);
    const { files, filesNextCursor, ...expected } = derived;
    expect(summaryToListEntry(toSummary(item), OPTIONS)).toEqual(expected);
    expect(item.firstFiles).toEqual(files.slice(0, 100));
    // Some segments never finished, and the vendor said failed: CONTRACT §7 makes that failed.
    expect(item.status).toBe('failed');
  });
});
