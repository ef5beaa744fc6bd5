import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingStore } from '../../lib/adapters/recording-store';
import { SummaryProjector } from '../../lib/adapters/summary-projector';
import type { RecordingEvent } from '../../lib/model/events';
import { eventSortKey } from '../../lib/model/recording-state';
import { rebuildViews } from '../../lib/operations/rebuild-views';
import { localClientConfig } from '../../local/emulators';
import table from '../../resources/recordings-table.json' with { type: 'json' };
import { agoraEvent } from '../helpers/agora-samples';
import {
  gmeEvent,
  type LogicalEvent,
  resentGmeEvent,
  schedule,
  sparkEvent,
  trtcEvent,
} from '../helpers/event-arbitraries';
import { interpretSample } from '../helpers/interpret';
import { liveKitEvent } from '../helpers/livekit-samples';
import { crashingProjection, derivedFromEvents, documentClientFor, materialized } from '../helpers/recording-view';
import { DEV_APPS, gmeBody, trtcBody, trtcLifecycle } from '../helpers/samples';
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
              eventMsTs: 1_752_580_000_000 + slice,
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

describe('npm run rebuild-views', () => {
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
    const projector = new SummaryProjector({ client: legacyClient, tableName });
    const dryRun = await rebuildViews({ client: legacyClient, tableName, projector, dryRun: true });
    expect(dryRun).toMatchObject({ recordings: 2, differing: 2, migratedEvents: events.length, failed: 0 });
    const legacyStore = new RecordingStore({ client: legacyClient, tableName, now: () => NOW });
    const trtcKey = { platform: 'trtc' as const, appId: DEV_APPS.trtc, taskId: (events[0] as RecordingEvent).taskId };
    expect(await legacyStore.getRecording(trtcKey)).toBeNull();

    const applied = await rebuildViews({ client: legacyClient, tableName, projector });
    expect(applied).toMatchObject({ recordings: 2, differing: 2, migratedEvents: events.length, failed: 0 });
    expect(await rebuildViews({ client: legacyClient, tableName, projector, dryRun: true })).toMatchObject({
      recordings: 2,
      differing: 0,
      migratedEvents: 0,
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
});
