import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { interpretSample } from '../../fixtures/interpret';
import { DEV_APPS, gmeBody } from '../../fixtures/samples';
import { SummaryProjector } from '../../lib/adapters/summary-projector';
import { DynamoDbSummaryReader } from '../../lib/adapters/summary-reader';
import {
  type EventItem,
  fileSortKey,
  LEGACY_SEGMENT_OWNER,
  recordingPartitionKey,
  SUMMARY_SORT_KEY,
  type SummaryItem,
  sequenceText,
  toAppliedEvent,
  toSummary,
} from '../../lib/adapters/table-layout';
import type { RecordingEvent } from '../../lib/model/events';
import { VENDOR_STATUSES } from '../../lib/model/reconciliation';
import { deriveRecordingState, eventSortKey, mergeFiles, type RecordingKey } from '../../lib/model/recording-state';
import { additionsInOrder, foldIntoSummary, summaryToListEntry } from '../../lib/model/recording-summary';
import { reconciliationFactEvent } from '../../lib/model/sweep-message';
import type { StreamedEvent } from '../../lib/project/stream-handler';
import { STATUS_RULES } from '../../lib/providers/registry';
import { localClientConfig } from '../../local/emulators';
import table from '../../resources/recordings-table.json' with { type: 'json' };
import { rebuildViews } from '../../tools/operations/rebuild-views';
import { RecordingStore } from '../helpers/recording-store';
import {
  crashingProjection,
  derivedFromEvents,
  documentClientFor,
  materialized,
  previousReleaseSummaryItem,
} from '../helpers/recording-view';
import { useLocalStack } from './local-stack';

/**
 * GME segments folded by the projector. `npm test` folds 1,500 (enough that the previous release's
 * summary, ≈ 45 bytes a segment, passes the 64 KB bound); GME_SUMMARY_SEGMENTS=100000 is the full
 * bound (README, "Limits").
 */
const SEGMENTS = Number(process.env.GME_SUMMARY_SEGMENTS ?? 1_500);
const SUMMARY_LIMIT_BYTES = 64 * 1024;
const OPTIONS = { now: Date.parse('2026-11-23T12:00:00Z'), staleAfterMs: 6 * 3_600_000, rules: STATUS_RULES };

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
  it(
    `keeps its summary ≤ 64 KB over ${SEGMENTS} segments with sparse hostile SeqNos, equal to the derivation`,
    async () => {
      const client = documentClientFor(stack.stack.dynamodbEndpoint);
      const projector = new SummaryProjector({ statusRules: STATUS_RULES, client, tableName: stack.stack.tableName });
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
      const reader = new DynamoDbSummaryReader({ client, tableName: stack.stack.tableName });
      const version = await reader.getSummaryVersion(key);
      if (!version) throw new Error('no summary');
      expect((await reader.versionFiles(version, 100)).files).toEqual(files.slice(0, 100));
      // Some segments never finished, and the vendor said failed: README, "Lost callbacks", makes that failed.
      expect(item.status).toBe('failed');
      // ≈ 4 ms per event on DynamoDB Local here: the full run takes several minutes.
    },
    Math.max(120_000, SEGMENTS * 25),
  );
});

const gmeTaskId = () => String(446946705284000000n + BigInt(Math.floor(Math.random() * 1e9)));
const gme = (taskId: string, eventType: number, seqNo: number, roomId = '100'): RecordingEvent =>
  interpretSample({
    name: 'gme',
    endpoint: 'tencent-gme',
    appId: DEV_APPS.gme,
    body: gmeBody({ taskId, eventType, seqNo, roomId }),
  });
/** A GME recording's events with a 2 and a 1 resent with other content (room 101): facts brought twice. */
const gmeScenario = (taskId: string) => [
  gme(taskId, 1, 0),
  gme(taskId, 2, 0),
  gme(taskId, 3, 0),
  gme(taskId, 2, 0, '101'),
  gme(taskId, 1, 7),
  gme(taskId, 2, 7),
  gme(taskId, 1, 7, '101'),
];

describe('GME segment items under a crash between any two projector writes', () => {
  it('are repaired by the redelivery, at every crash point, before and after the write', async () => {
    const store = new RecordingStore({
      client: documentClientFor(stack.stack.dynamodbEndpoint),
      tableName: stack.stack.tableName,
      now: () => OPTIONS.now,
    });
    const scenario = () => {
      const [a, b] = [gmeScenario(gmeTaskId()), gmeScenario(gmeTaskId())];
      // Two recordings interleaved in one batch.
      return a.flatMap((event, index) => [event, b[index] as RecordingEvent]);
    };
    const expectSummaryMatchesEvents = async (events: readonly RecordingEvent[]) => {
      for (const taskId of new Set(events.map((event) => event.taskId))) {
        const key = { platform: 'gme' as const, appId: DEV_APPS.gme, taskId };
        const expected = await derivedFromEvents(stack.documentClient, stack.stack.tableName, key, OPTIONS);
        expect(expected?.status).toBe('stopped');
        expect(await materialized(store, key)).toEqual(expected);
        // Each fact once, though the resent 2 of segment 0 and 1 of segment 7 bring theirs again.
        expect((await store.getSummary(key))?.segmentCounts).toEqual({ ended: 2, seen: 2, uploaded: 1 });
      }
    };
    const clean = await crashingProjection(stack, Number.POSITIVE_INFINITY, 'after');
    const baseline = scenario();
    for (const event of baseline) await store.applyRecordingEvent(event, Date.now());
    await clean.reader.drain();
    await expectSummaryMatchesEvents(baseline);
    const writesPerRun = clean.writes();
    // Per event a segment item and a file item, per recording a summary.
    expect(writesPerRun).toBeGreaterThanOrEqual(2 * baseline.length + 2);
    for (let crashAt = 1; crashAt <= writesPerRun; crashAt += 1) {
      for (const when of ['before', 'after'] as const) {
        const { reader } = await crashingProjection(stack, crashAt, when);
        const events = scenario();
        for (const event of events) await store.applyRecordingEvent(event, Date.now());
        await reader.drain();
        await expectSummaryMatchesEvents(events);
      }
    }
  });
});

/** A table with today's keys and indexes and no stream: nothing projects it but the test. */
async function streamlessTable(raw: DynamoDBClient): Promise<string> {
  const tableName = `legacy-gme-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  await raw.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: table.Properties.AttributeDefinitions as never,
      KeySchema: table.Properties.KeySchema as never,
      GlobalSecondaryIndexes: table.Properties.GlobalSecondaryIndexes as never,
    }),
  );
  return tableName;
}

/**
 * A GME recording as the previous release left it: its event items, and a summary of them whose
 * status facts are one `<seqNo>:<type>` per segment, without segment items.
 */
async function previousRelease(client: DynamoDBDocumentClient, tableName: string, events: readonly RecordingEvent[]) {
  const store = new RecordingStore({ client, tableName, now: () => OPTIONS.now });
  for (const event of events) await store.applyRecordingEvent(event, Date.now());
  const key: RecordingKey = { platform: 'gme', appId: DEV_APPS.gme, taskId: (events[0] as RecordingEvent).taskId };
  const { Items: items = [] } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': recordingPartitionKey(key) },
      ConsistentRead: true,
    }),
  );
  const applied = (items as EventItem[]).map(toAppliedEvent);
  // Its file items, as that release's projector wrote them.
  for (const item of items as EventItem[]) {
    for (const file of item.files ?? []) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: item.pk, sk: fileSortKey(file.name) },
          UpdateExpression: 'SET #name = :name, firstEventSk = if_not_exists(firstEventSk, :sk) ADD statuses :statuses',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': file.name, ':sk': item.sk, ':statuses': new Set([file.status]) },
        }),
      );
    }
  }
  const { segmentCounts: _counts, ...summary } = foldIntoSummary(
    key,
    null,
    additionsInOrder(STATUS_RULES, key, applied),
    STATUS_RULES,
  );
  const legacy = {
    ...summary,
    statusFacts: [...new Set(applied.map((event) => `${event.seqNo ?? 0}:${event.eventType}`))].sort(),
  };
  await client.send(
    new PutCommand({
      TableName: tableName,
      Item: previousReleaseSummaryItem(legacy, mergeFiles(applied).slice(0, 100), sequenceText('100')),
    }),
  );
  return { key, store, legacy };
}

const segmentItems = async (client: DynamoDBDocumentClient, tableName: string, key: RecordingKey) =>
  (
    await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :segments)',
        ExpressionAttributeValues: { ':pk': recordingPartitionKey(key), ':segments': 'SEG#' },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

describe('GME summaries of the previous release (one fact per segment)', () => {
  it('the projector reads them as counts: new events, and facts brought again, fold to the derivation', async () => {
    const raw = new DynamoDBClient(localClientConfig(stack.stack.dynamodbEndpoint));
    const client = documentClientFor('', raw);
    const tableName = await streamlessTable(raw);
    const taskId = gmeTaskId();
    const { key, store, legacy } = await previousRelease(client, tableName, [
      gme(taskId, 1, 0),
      gme(taskId, 2, 0),
      gme(taskId, 1, 4),
    ]);
    expect(legacy.statusFacts).toEqual(['0:1', '0:2', '4:1']);
    expect(legacy.status).toBe('recording');
    // After the deploy: a 2 for segment 0 with other content (already counted), and segment 4 ends and uploads.
    const later = [gme(taskId, 2, 0, '101'), gme(taskId, 2, 4), gme(taskId, 3, 4), gme(taskId, 3, 0)];
    const stream: StreamedEvent[] = [];
    for (const [index, event] of later.entries()) {
      await store.applyRecordingEvent(event, Date.now());
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: recordingPartitionKey(key), sk: eventSortKey(event) } }),
      );
      stream.push({ sequence: String(200 + index), item: Item as EventItem });
    }
    const projector = new SummaryProjector({ statusRules: STATUS_RULES, client, tableName });
    expect((await projector.project(stream.slice(0, 2))).failures).toEqual([]);
    expect((await projector.project(stream)).failures).toEqual([]);

    const { Item: summary } = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: recordingPartitionKey(key), sk: SUMMARY_SORT_KEY } }),
    );
    expect(summary).toMatchObject({ folded: { statusFacts: [], segmentCounts: { seen: 2, ended: 2, uploaded: 2 } } });
    expect(await store.getRecording(key, { filesLimit: 1_000 })).toEqual(
      await derivedFromEvents(client, tableName, key, OPTIONS),
    );
    expect((await store.getRecording(key))?.status).toBe('completed');
    const segments = await segmentItems(client, tableName, key);
    expect(segments.map((item) => [item.sk, item.owner_seen, item.owner_ended])).toEqual([
      ['SEG#0000000000000000', LEGACY_SEGMENT_OWNER, LEGACY_SEGMENT_OWNER],
      ['SEG#0000000000000004', LEGACY_SEGMENT_OWNER, eventSortKey(later[1] as RecordingEvent)],
    ]);
    raw.destroy();
  });

  it('npm run rebuild-views migrates them: segment items and counts; then facts brought again count once', async () => {
    const raw = new DynamoDBClient(localClientConfig(stack.stack.dynamodbEndpoint));
    const client = documentClientFor('', raw);
    const tableName = await streamlessTable(raw);
    const taskId = gmeTaskId();
    const { key, store } = await previousRelease(client, tableName, [
      gme(taskId, 1, 0),
      gme(taskId, 2, 0),
      gme(taskId, 3, 0),
      gme(taskId, 2, 9),
      gme(taskId, 3, 9),
    ]);
    const projector = new SummaryProjector({ statusRules: STATUS_RULES, client, tableName });
    expect(await rebuildViews({ client, tableName, projector, dryRun: true })).toMatchObject({
      recordings: 1,
      differing: 1,
      failed: 0,
    });
    expect(await segmentItems(client, tableName, key)).toEqual([]);
    expect(await rebuildViews({ client, tableName, projector })).toMatchObject({ recordings: 1, differing: 1 });
    expect(await rebuildViews({ client, tableName, projector, dryRun: true })).toMatchObject({ differing: 0 });
    const { Item: summary } = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: recordingPartitionKey(key), sk: SUMMARY_SORT_KEY } }),
    );
    expect(summary).toMatchObject({ folded: { statusFacts: [], segmentCounts: { seen: 2, ended: 2, uploaded: 2 } } });
    expect(summary?.status).toBe('completed');
    expect((await segmentItems(client, tableName, key)).map((item) => item.sk)).toEqual([
      'SEG#0000000000000000',
      'SEG#0000000000000009',
    ]);

    // A 3 for segment 9 with other content: a new event, a fact already counted.
    const again = gme(taskId, 3, 9, '101');
    await store.applyRecordingEvent(again, Date.now());
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: recordingPartitionKey(key), sk: eventSortKey(again) } }),
    );
    expect((await projector.project([{ sequence: '300', item: Item as EventItem }])).failures).toEqual([]);
    const state = await store.getRecording(key, { filesLimit: 1_000 });
    expect(state).toEqual(await derivedFromEvents(client, tableName, key, OPTIONS));
    expect(state).toMatchObject({ status: 'completed', eventCount: 6 });
    raw.destroy();
  });
});
