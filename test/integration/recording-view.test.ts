import { createHash } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { interpretSample } from '../../fixtures/interpret';
import { DEV_APPS, gmeBody, trtcBody, trtcLifecycle } from '../../fixtures/samples';
import { SummaryProjector } from '../../lib/adapters/summary-projector';
import { type EventItem, fileSortKey, recordingPartitionKey, sequenceText } from '../../lib/adapters/table-layout';
import type { RecordingEvent } from '../../lib/model/events';
import { eventSortKey, type RecordingKey } from '../../lib/model/recording-state';
import { STATUS_RULES } from '../../lib/providers/registry';
import { localClientConfig } from '../../local/emulators';
import table from '../../resources/recordings-table.json' with { type: 'json' };
import { rebuildViews } from '../../tools/operations/rebuild-views';
import {
  agoraEvent,
  gmeEvent,
  type LogicalEvent,
  liveKitEvent,
  resentGmeEvent,
  schedule,
  sparkEvent,
  trtcEvent,
} from '../helpers/event-arbitraries';
import { RecordingStore } from '../helpers/recording-store';
import {
  crashingProjection,
  derivedFromEvents,
  documentClientFor,
  materialized,
  previousReleaseEventItem,
  previousReleaseSummaryItem,
} from '../helpers/recording-view';
import { uniqueId, useLocalStack } from './local-stack';

const RUNS = Number(process.env.VIEW_PROPERTY_RUNS ?? 12);
const NOW = Date.parse('2026-11-23T12:00:00Z');
const OPTIONS = { now: NOW, staleAfterMs: 6 * 3_600_000 };

let stack: Awaited<ReturnType<typeof useLocalStack>>;
let store: RecordingStore;
const client = () => documentClientFor(stack.stack.dynamodbEndpoint);

beforeAll(async () => {
  stack = await useLocalStack();
  store = new RecordingStore({ client: client(), tableName: stack.stack.tableName, now: () => NOW });
});

// eventId is a lazy getter on the class (lib/model/event-id.ts): a spread does not copy it, so copy it by name.
const retask = (events: readonly RecordingEvent[], taskId: string) =>
  events.map((event) => ({ ...event, eventId: event.eventId, taskId }));
const applyAll = async (events: readonly RecordingEvent[]) => {
  for (const event of events) await store.applyRecordingEvent(event, Date.now());
};
const expectSummaryMatchesEvents = async (event: RecordingEvent) => {
  const key = { platform: event.platform, appId: event.appId, taskId: event.taskId };
  const expected = await derivedFromEvents(client(), stack.stack.tableName, key, OPTIONS);
  // Both paths: every file through the files items, and the default page the summary holds.
  expect(await materialized(store, key)).toEqual(expected);
  expect(await store.getRecording(key)).toEqual(expected);
};

describe.each([
  ['trtc', trtcEvent('placeholder')],
  ['gme', gmeEvent('446946705284000001')],
  ['gme resent', resentGmeEvent('446946705284000001')],
  ['sparkrtc', sparkEvent('placeholder')],
  ['agora', agoraEvent('placeholder')],
  ['livekit', liveKitEvent('placeholder')],
] as const)('%s summary on DynamoDB Local', (_platform, event: fc.Arbitrary<LogicalEvent>) => {
  it('equals the derivation from the stored events for any delivery schedule', async () => {
    await fc.assert(
      fc.asyncProperty(schedule(event), async ({ deliveries }) => {
        const taskId = _platform.startsWith('gme')
          ? String(446946705284000000n + BigInt(Math.floor(Math.random() * 1e9)))
          : uniqueId('view');
        const events = retask(deliveries, taskId);
        // Half the deliveries are projected before the rest arrive, so the fold sees several batches.
        await applyAll(events.slice(0, Math.ceil(events.length / 2)));
        await stack.project();
        await applyAll(events.slice(Math.ceil(events.length / 2)));
        await stack.project();
        await expectSummaryMatchesEvents(events[0] as RecordingEvent);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("a crash between any two of the projector's writes", () => {
  const scenario = (label: string) => {
    const tasks = [uniqueId(`${label}-a`), uniqueId(`${label}-b`)];
    // Two recordings interleaved in one batch, with files shared between events of one of them.
    return tasks
      .flatMap((taskId, index) =>
        [
          ...trtcLifecycle(taskId),
          ...[0, 1, 2].map((slice) => ({
            name: 'slice',
            endpoint: 'tencent-trtc' as const,
            appId: DEV_APPS.trtc,
            body: trtcBody(307, {
              taskId,
              payload: { FileName: `${taskId}/s${slice}.ts` },
              eventMsTs: 1_752_580_000_000 + index,
            }),
          })),
        ].map((sample, position) => ({ event: interpretSample(sample), order: position * 2 + index })),
      )
      .sort((a, b) => a.order - b.order)
      .map(({ event }) => event);
  };

  it('is repaired by the redelivery, at every crash point, before and after the write', async () => {
    const clean = await crashingProjection(stack, Number.POSITIVE_INFINITY, 'after');
    const baseline = scenario('clean');
    await applyAll(baseline);
    await clean.reader.drain();
    const writesPerRun = clean.writes();
    expect(writesPerRun).toBeGreaterThanOrEqual(4);
    let runs = 0;
    for (let crashAt = 1; crashAt <= writesPerRun; crashAt += 1) {
      for (const when of ['before', 'after'] as const) {
        const { reader } = await crashingProjection(stack, crashAt, when);
        const events = scenario(`crash${crashAt}${when}`);
        await applyAll(events);
        await reader.drain();
        for (const taskId of new Set(events.map((event) => event.taskId))) {
          await expectSummaryMatchesEvents(events.find((event) => event.taskId === taskId) as RecordingEvent);
        }
        runs += 1;
      }
    }
    console.log(
      `crash points: ${writesPerRun} writes per clean projection, ${runs} crashed runs, all equal to the derivation`,
    );
  });
});

describe("listing an app's recordings", () => {
  it("finds recordings by status and staleness, newest update first, pages each once, and never shows another app's", async () => {
    const appId = uniqueId('app');
    const otherApp = uniqueId('other');
    const outcomes: Record<string, [number, Record<string, unknown>][]> = {
      completed: [
        [301, { Status: 0 }],
        [305, { Status: 0 }],
      ],
      recording: [[301, { Status: 0 }]],
      stopped: [
        [301, { Status: 0 }],
        [302, { LeaveCode: 0 }],
      ],
      failed: [[301, { Status: 1 }]],
    };
    const created: { taskId: string; status: string }[] = [];
    for (let round = 0; round < 3; round += 1) {
      for (const [status, events] of Object.entries(outcomes)) {
        const taskId = uniqueId(`${status}-${round}`);
        created.push({ taskId, status });
        for (const [type, payload] of events) {
          const event = interpretSample({
            name: 'x',
            endpoint: 'tencent-trtc',
            appId: DEV_APPS.trtc,
            body: trtcBody(type, { taskId, payload }),
          });
          await store.applyRecordingEvent({ ...event, appId }, Date.now());
        }
      }
    }
    const other = interpretSample({
      name: 'x',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: trtcBody(301, { taskId: uniqueId('other') }),
    });
    await store.applyRecordingEvent({ ...other, appId: otherApp }, Date.now());
    await stack.project();

    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listRecordings({ platform: 'trtc', appId, limit: 5, cursor });
      all.push(...page.recordings.map((recording) => recording.taskId));
      for (const recording of page.recordings) expect(recording).not.toHaveProperty('files');
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(all.sort()).toEqual(created.map(({ taskId }) => taskId).sort());

    const byStatus = await store.listRecordings({ platform: 'trtc', appId, status: 'stopped', limit: 100 });
    expect(byStatus.recordings.map((recording) => recording.taskId).sort()).toEqual(
      created
        .filter(({ status }) => status === 'stopped')
        .map(({ taskId }) => taskId)
        .sort(),
    );
    const updated = byStatus.recordings.map((recording) => recording.updatedAt);
    expect(updated).toEqual([...updated].sort().reverse());
    expect(byStatus.nextCursor).toBeNull();

    // Seven hours on, the unfinished ones are stale; the finished ones never are.
    const later = new RecordingStore({
      client: client(),
      tableName: stack.stack.tableName,
      now: () => Date.now() + 7 * 3_600_000,
    });
    const stale = await later.listRecordings({ platform: 'trtc', appId, stale: true, limit: 100 });
    expect(stale.recordings.map((recording) => recording.taskId).sort()).toEqual(
      created
        .filter(({ status }) => status === 'recording' || status === 'stopped')
        .map(({ taskId }) => taskId)
        .sort(),
    );
    expect(stale.recordings.every((recording) => recording.stale)).toBe(true);
    expect((await store.listRecordings({ platform: 'trtc', appId, stale: true, limit: 100 })).recordings).toEqual([]);

    // Through the route: a tampered cursor, or one from another listing, is a 400.
    const first = await stack.get(`/recordings/trtc/${appId}?limit=2`);
    expect(first.statusCode).toBe(200);
    expect(first.body.recordings).toHaveLength(2);
    const tampered = `${first.body.nextCursor.slice(0, -2)}xx`;
    expect((await stack.get(`/recordings/trtc/${appId}?limit=2&cursor=${tampered}`)).statusCode).toBe(400);
    expect((await stack.get(`/recordings/trtc/${otherApp}?limit=2&cursor=${first.body.nextCursor}`)).statusCode).toBe(
      400,
    );
    expect(
      (await stack.get(`/recordings/trtc/${appId}?status=stopped&cursor=${first.body.nextCursor}`)).statusCode,
    ).toBe(400);
    expect((await stack.get(`/recordings/trtc/${appId}?status=paused`)).statusCode).toBe(400);
  });
});

describe('one recording', () => {
  it('timeline: every distinct event once, oldest first, paged; files: a cursor from another recording is a 400', async () => {
    const taskId = uniqueId('timeline');
    const samples = trtcLifecycle(taskId).reverse();
    for (const sample of [...samples, ...samples]) await store.applyRecordingEvent(interpretSample(sample), Date.now());
    await stack.project();
    const seen: { eventType: string; occurredAt: string }[] = [];
    let cursor = '';
    do {
      const page = await stack.get(
        `/recordings/trtc/${DEV_APPS.trtc}/${taskId}/events?limit=2${cursor && `&cursor=${cursor}`}`,
      );
      expect(page.statusCode).toBe(200);
      seen.push(...page.body.events);
      cursor = page.body.nextCursor ?? '';
    } while (cursor);
    expect(seen.map((event) => event.eventType)).toEqual(['301', '302', '303', '304', '305']);
    expect(seen.map((event) => event.occurredAt)).toEqual([...seen.map((event) => event.occurredAt)].sort());
    expect(new Set(seen.map((event) => (event as unknown as { eventId: string }).eventId)).size).toBe(5);

    const many = uniqueId('files');
    for (let slice = 0; slice < 3; slice += 1) {
      const body = trtcBody(307, {
        taskId: many,
        payload: { FileName: `${many}/s${slice}.ts` },
        eventMsTs: 1_752_580_000_000 + slice,
      });
      await store.applyRecordingEvent(
        interpretSample({ name: 's', endpoint: 'tencent-trtc', appId: DEV_APPS.trtc, body }),
        Date.now(),
      );
    }
    await stack.project();
    const state = await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${many}?filesLimit=2`);
    expect(state.body).toMatchObject({ fileCount: 3, files: [{ name: `${many}/s0.ts` }, { name: `${many}/s1.ts` }] });
    const rest = await stack.get(
      `/recordings/trtc/${DEV_APPS.trtc}/${many}/files?cursor=${state.body.filesNextCursor}`,
    );
    expect(rest.body).toEqual({ files: [{ name: `${many}/s2.ts`, url: null, status: 'uploaded' }], nextCursor: null });
    const elsewhere = await stack.get(
      `/recordings/trtc/${DEV_APPS.trtc}/${taskId}/files?cursor=${state.body.filesNextCursor}`,
    );
    expect(elsewhere.statusCode).toBe(400);
    // A recording of up to 100 files answers as before: every file, no cursor.
    const small = await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${many}`);
    expect(small.body).toMatchObject({ fileCount: 3, filesNextCursor: null });
    expect(small.body.files).toHaveLength(3);
  });

  it('a recording known only from slices is listed under its room', async () => {
    const taskId = uniqueId('slices-only');
    const roomId = uniqueId('room');
    const body = trtcBody(307, { taskId, roomId, payload: { FileName: `${taskId}/s0.ts` } });
    await store.applyRecordingEvent(
      interpretSample({ name: 's', endpoint: 'tencent-trtc', appId: DEV_APPS.trtc, body }),
      Date.now(),
    );
    await stack.project();
    const room = await stack.get(`/rooms/trtc/${DEV_APPS.trtc}/${roomId}`);
    expect(room.statusCode).toBe(200);
    expect(room.body.recordings).toMatchObject([{ taskId, status: 'recording', fileCount: 1 }]);
  });
});

/** Names that UTF-16 order, byte order and a prefix-and-digest key used to disagree on. */
function hostileNames(): string[] {
  const shared = `a/long/${'x'.repeat(893)}`; // exactly 900 bytes, and the first 900 bytes of two longer names
  const accented = `a/long/${'é'.repeat(460)}`; // 900 bytes falls inside an 'é'
  return [
    shared,
    `${shared}/1.mp4`,
    `${shared}/2.mp4`,
    `${accented}/x.mp4`,
    `${accented}/y.mp4`,
    ...Array.from({ length: 94 }, (_, index) => `a${String(index).padStart(3, '0')}.mp4`),
    'b😀.mp4', // F0 9F 98 80: after 'b（' in bytes, before it in UTF-16
    'b（.mp4', // EF BC 88
  ];
}

/** Names in name order: by UTF-8 bytes, but names over 900 bytes that share their first 900 may be in any fixed order. */
function expectNameOrder(names: readonly string[]): void {
  for (let i = 0; i < names.length; i += 1) {
    for (let j = i + 1; j < names.length; j += 1) {
      const [a, b] = [Buffer.from(names[i] as string), Buffer.from(names[j] as string)];
      const sameLongStart = a.length > 900 && b.length > 900 && a.subarray(0, 900).equals(b.subarray(0, 900));
      if (!sameLongStart) expect(Buffer.compare(a, b), `${names[i]} before ${names[j]}`).toBe(-1);
    }
  }
}

describe('name order, whatever the names hold', () => {
  it('the walk from the first page through the files route lists every file once, as ?filesLimit=1000 and the default page do', async () => {
    const taskId = uniqueId('names');
    const names = hostileNames();
    expect(names).toHaveLength(101);
    // Spread over four events, so the summary's first page is merged from several folds.
    for (let part = 0; part < 4; part += 1) {
      const body = trtcBody(304, {
        taskId,
        payload: { FileList: names.filter((_, index) => index % 4 === part) },
        eventMsTs: 1_752_580_000_000 + part,
      });
      await store.applyRecordingEvent(
        interpretSample({ name: 'files', endpoint: 'tencent-trtc', appId: DEV_APPS.trtc, body }),
        Date.now(),
      );
    }
    await stack.project();
    const base = `/recordings/trtc/${DEV_APPS.trtc}/${taskId}`;

    const all = await stack.get(`${base}?filesLimit=1000`);
    expect(all.statusCode).toBe(200);
    expect(all.body).toMatchObject({ fileCount: 101, filesNextCursor: null });
    const inOrder: string[] = all.body.files.map((file: { name: string }) => file.name);
    expect([...inOrder].sort()).toEqual([...names].sort());
    expectNameOrder(inOrder);
    expect(inOrder.slice(-2)).toEqual(['b（.mp4', 'b😀.mp4']);

    /** Follows the files route from `cursor` (or from the start), `limit` at a time. */
    const walk = async (first: string[], cursor: string | null, limit: number) => {
      const seen = [...first];
      let next = cursor;
      for (let pages = 0; next !== null && pages < 200; pages += 1) {
        const page = await stack.get(`${base}/files?limit=${limit}&cursor=${next}`);
        expect(page.statusCode).toBe(200);
        seen.push(...page.body.files.map((file: { name: string }) => file.name));
        next = page.body.nextCursor;
      }
      return seen;
    };
    const fromPage = async (filesLimit: string, limit: number) => {
      const state = await stack.get(`${base}${filesLimit}`);
      expect(state.body.fileCount).toBe(101);
      return walk(
        state.body.files.map((file: { name: string }) => file.name),
        state.body.filesNextCursor,
        limit,
      );
    };

    const byDefault = await stack.get(base);
    expect(byDefault.body.files).toHaveLength(100);
    expect(byDefault.body.files.map((file: { name: string }) => file.name)).toEqual(inOrder.slice(0, 100));
    // The default page, then the route; a small first page, then the route (long names at the page ends).
    expect(await fromPage('', 7)).toEqual(inOrder);
    expect(await fromPage('', 1000)).toEqual(inOrder);
    for (const filesLimit of [1, 2, 3, 4]) expect(await fromPage(`?filesLimit=${filesLimit}`, 1)).toEqual(inOrder);
    expect(await fromPage('?filesLimit=99', 2)).toEqual(inOrder);
    // The route from its start.
    const start = await stack.get(`${base}/files?limit=3`);
    expect(
      await walk(
        start.body.files.map((file: { name: string }) => file.name),
        start.body.nextCursor,
        3,
      ),
    ).toEqual(inOrder);
  });
});

/** A table with today's keys and indexes and no stream: nothing projects it but the rebuild. */
async function createUnprojectedTable(raw: DynamoDBClient, tableName: string): Promise<void> {
  await raw.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: table.Properties.AttributeDefinitions as never,
      KeySchema: table.Properties.KeySchema as never,
      GlobalSecondaryIndexes: table.Properties.GlobalSecondaryIndexes as never,
    }),
  );
}

/** The previous release's file keys: over 300 UTF-16 units, the first 300, '#' and a digest. */
const previousFileSortKey = (name: string) =>
  name.length <= 300
    ? `FILE#${name}`
    : `FILE#${name.slice(0, 300)}#${createHash('sha256').update(name).digest('hex').slice(0, 32)}`;

/** Every name a store lists for the recording: its first page of `filesLimit`, then the files route `limit` at a time. */
async function walkFiles(store: RecordingStore, key: RecordingKey, filesLimit: number, limit: number) {
  const state = await store.getRecording(key, { filesLimit });
  const names = state?.files.map((file) => file.name) ?? [];
  let cursor = state?.filesNextCursor ?? null;
  for (let pages = 0; cursor !== null && pages < 200; pages += 1) {
    const page = await store.listFiles(key, { limit, cursor });
    names.push(...page.files.map((file) => file.name));
    cursor = page.nextCursor;
  }
  return names;
}

describe('npm run rebuild-views', () => {
  it("reads, folds into and migrates a table in the previous release's exact shape", async () => {
    const tableName = uniqueId('prev-release');
    const raw = new DynamoDBClient(localClientConfig(stack.stack.dynamodbEndpoint));
    await createUnprojectedTable(raw, tableName);
    const previous = documentClientFor('', raw);
    const previousStore = new RecordingStore({ client: previous, tableName, now: () => NOW });
    const projector = new SummaryProjector({ statusRules: STATUS_RULES, client: previous, tableName });
    const room = uniqueId('prev-room');
    const [folded, migrated] = [uniqueId('prev-folded'), uniqueId('prev-migrated')].map((taskId) => {
      const lifecycle = trtcLifecycle(taskId, room).map(interpretSample);
      // The last slice names slice-1.ts again (another event: its time differs), as a late upload notice would.
      const slices = [3, 1, 1].map((slice, index) =>
        interpretSample({
          name: 'slice',
          endpoint: 'tencent-trtc',
          appId: DEV_APPS.trtc,
          body: trtcBody(307, {
            taskId,
            payload: { FileName: `slice-${slice}.ts` },
            eventMsTs: 1_752_580_000_000 + index,
          }),
        }),
      );
      return { key: { platform: 'trtc' as const, appId: DEV_APPS.trtc, taskId }, events: [...lifecycle, ...slices] };
    }) as [{ key: RecordingKey; events: RecordingEvent[] }, { key: RecordingKey; events: RecordingEvent[] }];
    for (const { key, events } of [folded, migrated]) {
      // All but the last slice, written as that release wrote them: events in the timeline index, file
      // items without a stream position, the summary with every field at the top level and its first files.
      for (const [index, event] of events.slice(0, -1).entries()) {
        await previousStore.applyRecordingEvent(event, NOW - 10_000 + index);
      }
      await projector.rebuild(key);
      const { Items: eventItems = [] } = await previous.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
          ExpressionAttributeValues: { ':pk': recordingPartitionKey(key), ':events': 'EVENT#' },
        }),
      );
      for (const item of eventItems as EventItem[]) {
        await previous.send(new PutCommand({ TableName: tableName, Item: previousReleaseEventItem(item) }));
      }
      const { Items: fileItems = [] } = await previous.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :files)',
          ExpressionAttributeValues: { ':pk': recordingPartitionKey(key), ':files': 'FILE#' },
        }),
      );
      for (const { sk } of fileItems) {
        await previous.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: recordingPartitionKey(key), sk },
            UpdateExpression: 'REMOVE firstSequence',
          }),
        );
      }
      const derived = await derivedFromEvents(previous, tableName, key, OPTIONS);
      const summary = await previousStore.getSummary(key);
      if (!derived || !summary) throw new Error('nothing written');
      await previous.send(
        new PutCommand({
          TableName: tableName,
          Item: previousReleaseSummaryItem(summary, derived.files.slice(0, 100), sequenceText('100')),
        }),
      );
      // Every read route answers from that shape as before.
      expect(await previousStore.getRecording(key)).toEqual(derived);
      expect((await previousStore.listEvents(key, { limit: 100 })).events).toHaveLength(events.length - 1);
    }
    const listed = await previousStore.listRecordings({ platform: 'trtc', appId: DEV_APPS.trtc, limit: 10 });
    expect(listed.recordings.map((entry) => [entry.taskId, entry.eventCount]).sort()).toEqual(
      [folded, migrated].map(({ key, events }) => [key.taskId, events.length - 1]).sort(),
    );

    // The projector folds the last slice into a summary of that shape, and writes it in this release's.
    const [lastSlice] = folded.events.slice(-1) as [RecordingEvent];
    await previousStore.applyRecordingEvent(lastSlice, NOW);
    const { Item: sliceItem } = await previous.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: recordingPartitionKey(folded.key), sk: eventSortKey(lastSlice) },
      }),
    );
    await projector.project([{ sequence: sequenceText('200'), item: sliceItem as EventItem }]);
    expect(await previousStore.getRecording(folded.key, { filesLimit: 1_000 })).toEqual(
      await derivedFromEvents(previous, tableName, folded.key, OPTIONS),
    );
    // slice-1.ts was counted by a version that release announced: it stays in every version, not only from 200 on.
    const { Item: renamed } = await previous.send(
      new GetCommand({ TableName: tableName, Key: { pk: recordingPartitionKey(folded.key), sk: 'FILE#slice-1.ts' } }),
    );
    expect(renamed).toMatchObject({ firstSequence: '' });
    const earlier = await previousStore.versionFiles(
      { ...folded.key, fileCount: 3, lastSequence: sequenceText('100') },
      100,
    );
    expect(earlier.files.map((file) => file.name)).toContain('slice-1.ts');

    // A file item the projector wrote for a batch it then gave up on (the projection DLQ): the rebuild's version folds
    // that event, so it holds the file too.
    const late = interpretSample({
      name: 'late',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: trtcBody(307, {
        taskId: migrated.key.taskId,
        payload: { FileName: 'late.ts' },
        eventMsTs: 1_752_580_009_000,
      }),
    });
    await previousStore.applyRecordingEvent(late, NOW);
    await previous.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: recordingPartitionKey(migrated.key),
          sk: 'FILE#late.ts',
          name: 'late.ts',
          statuses: new Set(late.files.map((file) => file.status)),
          firstEventSk: eventSortKey(late),
          firstSequence: sequenceText('900'),
        },
      }),
    );

    // rebuild-views rewrites the summaries still in that shape (and the one missing the late event); then nothing is left.
    expect(await rebuildViews({ client: previous, tableName, projector, dryRun: true })).toMatchObject({
      recordings: 2,
      differing: 1,
      reshaped: 1,
      failed: 0,
    });
    expect(await rebuildViews({ client: previous, tableName, projector })).toMatchObject({ reshaped: 1, failed: 0 });
    expect(await rebuildViews({ client: previous, tableName, projector, dryRun: true })).toMatchObject({
      differing: 0,
      reshaped: 0,
    });
    for (const { key } of [folded, migrated]) {
      const { Item: item } = await previous.send(
        new GetCommand({ TableName: tableName, Key: { pk: recordingPartitionKey(key), sk: 'SUMMARY' } }),
      );
      expect(item).toMatchObject({ folded: { eventCount: expect.any(Number) } });
      expect(item).not.toHaveProperty('eventCount');
      expect(item).not.toHaveProperty('firstFiles');
      expect(await previousStore.getRecording(key, { filesLimit: 1_000 })).toEqual(
        await derivedFromEvents(previous, tableName, key, OPTIONS),
      );
    }
    raw.destroy();
  });

  it('migrates a table written before summaries existed, reports what differs, and is idempotent', async () => {
    const tableName = uniqueId('legacy');
    const raw = new DynamoDBClient(localClientConfig(stack.stack.dynamodbEndpoint));
    // Today's keys and indexes (the deploy adds the index first), without a stream: nothing projects it.
    await raw.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: table.Properties.AttributeDefinitions as never,
        KeySchema: table.Properties.KeySchema as never,
        GlobalSecondaryIndexes: table.Properties.GlobalSecondaryIndexes as never,
      }),
    );
    const legacyClient = documentClientFor('', raw);
    const gmeTask = String(446946705284000000n + BigInt(Math.floor(Math.random() * 1e9)));
    const events = [
      ...trtcLifecycle(uniqueId('legacy-trtc'), 'room-legacy').map(interpretSample),
      ...[1, 2, 3].map((eventType) =>
        interpretSample({
          name: 'g',
          endpoint: 'tencent-gme',
          appId: DEV_APPS.gme,
          body: gmeBody({ taskId: gmeTask, eventType, seqNo: 0 }),
        }),
      ),
    ];
    // Items exactly as the previous release wrote them: room keys on events, no timeline keys, no summary.
    for (const [index, event] of events.entries()) {
      const appliedAt = NOW - 1_000 + index;
      await legacyClient.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: `REC#${event.platform}#${event.appId}#${event.taskId}`,
            sk: eventSortKey(event),
            platform: event.platform,
            appId: event.appId,
            taskId: event.taskId,
            eventType: event.eventType,
            code: event.code ?? undefined,
            seqNo: event.seqNo ?? undefined,
            files: event.files.length > 0 ? event.files : undefined,
            roomId: event.roomId ?? undefined,
            occurredAt: event.occurredAt ?? undefined,
            receivedAt: appliedAt,
            appliedAt,
            expiresAt: Math.floor(appliedAt / 1000) + 86_400,
            ...(event.indexInRoom &&
              event.roomId !== null && {
                roomKey: `${event.platform}#${event.appId}#${event.roomId}`,
                roomSort: `${String(event.occurredAt).padStart(15, '0')}#${event.taskId}`,
              }),
          },
        }),
      );
    }
    const projector = new SummaryProjector({ statusRules: STATUS_RULES, client: legacyClient, tableName });
    const dryRun = await rebuildViews({ client: legacyClient, tableName, projector, dryRun: true });
    expect(dryRun).toMatchObject({ recordings: 2, differing: 2, reshaped: 0, failed: 0 });
    const legacyStore = new RecordingStore({ client: legacyClient, tableName, now: () => NOW });
    const trtcKey = { platform: 'trtc' as const, appId: DEV_APPS.trtc, taskId: (events[0] as RecordingEvent).taskId };
    expect(await legacyStore.getRecording(trtcKey)).toBeNull();

    const applied = await rebuildViews({ client: legacyClient, tableName, projector });
    expect(applied).toMatchObject({ recordings: 2, differing: 2, reshaped: 0, failed: 0 });
    expect(await rebuildViews({ client: legacyClient, tableName, projector, dryRun: true })).toMatchObject({
      recordings: 2,
      differing: 0,
      reshaped: 0,
    });
    for (const key of [trtcKey, { platform: 'gme' as const, appId: DEV_APPS.gme, taskId: gmeTask }]) {
      expect(await legacyStore.getRecording(key, { filesLimit: 1_000 })).toEqual(
        await derivedFromEvents(legacyClient, tableName, key, OPTIONS),
      );
    }
    expect((await legacyStore.getRecording(trtcKey))?.status).toBe('completed');
    expect((await legacyStore.listEvents(trtcKey, { limit: 10 })).events).toHaveLength(5);
    const room = await legacyStore.getRoom('trtc', DEV_APPS.trtc, 'room-legacy', { limit: 5 });
    expect(room?.recordings.map((recording) => recording.taskId)).toEqual([trtcKey.taskId]);
    raw.destroy();
  });
  it("moves file items keyed by the previous release's scheme to name-order keys", async () => {
    const tableName = uniqueId('prev-keys');
    const raw = new DynamoDBClient(localClientConfig(stack.stack.dynamodbEndpoint));
    await createUnprojectedTable(raw, tableName);
    const previous = documentClientFor('', raw);
    const previousStore = new RecordingStore({ client: previous, tableName, now: () => NOW });
    const taskId = uniqueId('prev-keys');
    const key = { platform: 'trtc' as const, appId: DEV_APPS.trtc, taskId };
    const pk = `REC#trtc#${DEV_APPS.trtc}#${taskId}`;
    // The previous key cut this one inside the emoji: its key held an unpaired surrogate.
    const names = [...hostileNames(), `a/emoji/${'x'.repeat(291)}😀tail.mp4`];
    for (let part = 0; part < 3; part += 1) {
      const body = trtcBody(304, {
        taskId,
        payload: { FileList: names.filter((_, index) => index % 3 === part) },
        eventMsTs: 1_752_580_000_000 + part,
      });
      await previousStore.applyRecordingEvent(
        interpretSample({ name: 'files', endpoint: 'tencent-trtc', appId: DEV_APPS.trtc, body }),
        NOW - 1_000 + part,
      );
    }
    const projector = new SummaryProjector({ statusRules: STATUS_RULES, client: previous, tableName });
    await projector.rebuild(key);
    // Now as the previous release left it: long names under their old keys, the first page in UTF-16 order.
    const moved = names.filter((name) => previousFileSortKey(name) !== fileSortKey(name));
    expect(moved).toHaveLength(6);
    for (const name of moved) {
      const { Item: item } = await previous.send(
        new GetCommand({ TableName: tableName, Key: { pk, sk: fileSortKey(name) } }),
      );
      await previous.send(new PutCommand({ TableName: tableName, Item: { ...item, sk: previousFileSortKey(name) } }));
      await previous.send(new DeleteCommand({ TableName: tableName, Key: { pk, sk: fileSortKey(name) } }));
    }
    const fileKeys = async () => {
      const { Items: items = [] } = await previous.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :files)',
          ExpressionAttributeValues: { ':pk': pk, ':files': 'FILE#' },
          ConsistentRead: true,
        }),
      );
      return items.map((item) => ({ sk: item.sk as string, name: item.name as string }));
    };
    expect((await fileKeys()).filter(({ sk, name }) => sk !== fileSortKey(name))).toHaveLength(6);

    const dryRun = await rebuildViews({ client: previous, tableName, projector, dryRun: true });
    expect(dryRun).toMatchObject({ recordings: 1, differing: 0, migratedFiles: 6, failed: 0 });
    const applied = await rebuildViews({ client: previous, tableName, projector });
    expect(applied).toMatchObject({ recordings: 1, differing: 0, migratedFiles: 6, failed: 0 });
    expect(await rebuildViews({ client: previous, tableName, projector, dryRun: true })).toMatchObject({
      differing: 0,
      migratedFiles: 0,
    });

    // One item per name, each under its name-order key; the walk and every page agree.
    const keys = await fileKeys();
    expect(keys).toHaveLength(names.length);
    for (const { sk, name } of keys) expect(sk).toBe(fileSortKey(name));
    const expected = await derivedFromEvents(previous, tableName, key, OPTIONS);
    const inOrder = expected?.files.map((file) => file.name) ?? [];
    expect([...inOrder].sort()).toEqual([...names].sort());
    expectNameOrder(inOrder);
    expect(await previousStore.getRecording(key, { filesLimit: 1_000 })).toEqual(expected);
    expect(await walkFiles(previousStore, key, 100, 5)).toEqual(inOrder);
    expect(await walkFiles(previousStore, key, 3, 1)).toEqual(inOrder);
    raw.destroy();
  });
});
