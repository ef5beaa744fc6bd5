import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AGORA_DEV_APP } from '../../fixtures/agora-samples';
import { devKeyFor } from '../../fixtures/dev-apps';
import { LIVEKIT_DEV_APP } from '../../fixtures/livekit-samples';
import { DEV_APPS, type Sample } from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import { parseJsonObject } from '../../lib/json';
import { withinBounds } from '../../lib/model/input-bounds';
import { RECORDING_EVENT_TYPES } from '../../lib/model/recording-event';
import { ENDPOINTS, type Endpoint, platformOf } from '../../lib/platforms';
import { providerFor } from '../../lib/providers/registry';
import { createStreamPublishHandler } from '../../lib/publish/stream-handler';
import { FakeBus, MemoryDeadLetters } from '../helpers/publication';
import { RecordingStore } from '../helpers/recording-store';
import { documentClientFor } from '../helpers/recording-view';
import { useLocalStack } from '../integration/local-stack';
import { FULL, recordFigures } from './figures';

/**
 * README, "Input bounds": 200 means applied. Signed, hostile bodies for every endpoint go through
 * ingest → queue → process → projector → publisher on the emulators. Each case is either refused
 * with a 4xx and nothing queued, or acknowledged and then readable through every route, with its
 * status changes published exactly once each, `files.length` = min(`fileCount`, 100).
 */
const CASES = Number(process.env.HOSTILE_CASES ?? (FULL ? 400 : 40));
const RUN_AT = Date.now();
const RUN_ID = RUN_AT.toString(36);

// Strings of every code-point class a vendor's end users can type, and lengths around the bounds.
const SPECIAL_TEXT = [
  '\ufffe\uffff',
  '\ud800',
  '\udfff lone',
  '😀🎥',
  'b（.mp4',
  'b😀.mp4',
  'é'.repeat(300),
  '\u0000\u0001\u001f',
  '"\\/',
  ' ',
  '.',
  '..',
  'a/b',
  '%2F',
  '#',
];
const text = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength }), weight: 4 },
    { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength }), weight: 4 },
    { arbitrary: fc.constantFrom(...SPECIAL_TEXT), weight: 4 },
    { arbitrary: fc.integer({ min: 500, max: 520 }).map((bytes) => 'i'.repeat(bytes)), weight: 1 },
    { arbitrary: fc.integer({ min: 1015, max: 1030 }).map((bytes) => 'n'.repeat(bytes)), weight: 1 },
    { arbitrary: fc.integer({ min: 168, max: 175 }).map((chars) => '任'.repeat(chars)), weight: 1 },
  );
/** Each case gets its own recording; the rest of the id is hostile. */
let currentEndpoint = '';
const idText = (index: number) => text(40).map((hostile) => `${RUN_ID}-${currentEndpoint}-${index}-${hostile}`);
/** Times as raw JSON number text: out of range, extreme, fractional, and valid. */
const timeText = (unitMs: number): fc.Arbitrary<string> =>
  fc.oneof(
    {
      arbitrary: fc.constantFrom('9e15', '-1', '0', '1e400', '9007199254740993', '1.5', '"1700000000"', 'null', '[]'),
      weight: 1,
    },
    {
      arbitrary: fc
        .constantFrom(Date.UTC(2000, 0, 1), Date.UTC(2100, 0, 1), Date.UTC(2100, 0, 1) - 1)
        .map((ms) => String(Math.floor(ms / unitMs))),
      weight: 1,
    },
    {
      arbitrary: fc
        .integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 })
        .map((ms) => String(Math.floor(ms / unitMs))),
      weight: 14,
    },
  );
const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = { n: value };
  return value;
};
/** A value, or a deep or wide structure, for an unknown field. */
const extra = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 6 },
  { arbitrary: fc.integer({ min: 60, max: 70 }).map((depth) => nested(depth)), weight: 1 },
  { arbitrary: fc.constant(nested(3500)), weight: 1 },
);

/** A JSON body with raw number text spliced in where `"@@n@@"` placeholders stand. */
function render(body: unknown, numbers: readonly string[], duplicateKey: boolean): string {
  let index = 0;
  const json = JSON.stringify(body).replace(/"@@n@@"/g, () => numbers[index++] ?? '0');
  // A duplicated key: lossless-json refuses one with another value.
  return duplicateKey ? json.replace(/^\{/, '{"zz":1,"zz":2,') : json;
}
const N = '@@n@@';

interface Hostile {
  body: unknown;
  numbers: string[];
  duplicateKey: boolean;
  extra: unknown;
}
const hostile = (body: fc.Arbitrary<unknown>, numbers: fc.Arbitrary<string[]>): fc.Arbitrary<Hostile> =>
  fc.record({
    body,
    numbers,
    duplicateKey: fc.boolean().map((flag) => flag && Math.random() < 0.1),
    extra: fc.option(extra, { freq: 4 }),
  });
const names = (count: fc.Arbitrary<number>) =>
  count.chain((length) => fc.array(text(60), { minLength: length, maxLength: length }));

const BODIES: Record<Endpoint, (index: number) => fc.Arbitrary<Hostile>> = {
  'tencent-im': (index) =>
    hostile(
      fc
        .record({
          type: fc.constantFrom(301, 302, 304, 305, 310),
          task: idText(index),
          room: text(40),
          user: text(20),
          files: names(fc.integer({ min: 0, max: 3 })),
        })
        .map(({ type, task, room, user, files }) => ({
          CallbackCommand: 'Live.CallbackAfterCloudRecordingChanged',
          EventGroupId: 3,
          EventType: type,
          CallbackTs: N,
          EventTime: N,
          EventInfo: {
            RoomId: room,
            EventTs: N,
            EventMsTs: N,
            UserId: user,
            TaskId: task,
            Payload: { Status: 0, FileList: files },
          },
        })),
      fc.tuple(timeText(1), timeText(1), timeText(1000), timeText(1)),
    ),
  'tencent-trtc': (index) =>
    hostile(
      fc
        .record({
          type: fc.constantFrom(301, 302, 304, 305, 307, 310, 311, 399),
          task: idText(index),
          room: fc.oneof(text(40), fc.constant(N)),
          files: names(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 99, max: 130 }))),
          url: text(200),
        })
        .map(({ type, task, room, files, url }) => ({
          EventGroupId: 3,
          EventType: type,
          CallbackTs: N,
          EventInfo: {
            RoomId: room,
            EventTs: N,
            EventMsTs: N,
            UserId: 'u',
            TaskId: task,
            Payload: {
              Status: 0,
              FileName: files[0] ?? 'slice.ts',
              FileList: files,
              FileMessage: files.map((name) => ({ FileName: name })),
              TencentVod: { VideoUrl: `https://vod.example.com/${url}`, CacheFile: files[0] },
            },
          },
        })),
      fc.tuple(timeText(1), timeText(1), timeText(1000), timeText(1)),
    ),
  'tencent-gme': (index) =>
    hostile(
      fc
        .record({
          type: fc.constantFrom(1, 2, 3),
          seq: fc.oneof(fc.nat(10), fc.constantFrom(N)),
          room: text(40),
          file: text(80),
        })
        .map(({ type, seq, room, file }) => ({
          BizID: N,
          RoomID: room,
          UserID: '999',
          // A 64-bit task id per case: above 2^53, so kept as exact text.
          TaskID: N,
          RecordMode: 1,
          Timestamp: N,
          EventType: type,
          Detail: { SeqNo: seq, FileName: `${index}/${file}` },
          _index: index,
        })),
      fc.tuple(
        fc.constant(DEV_APPS.gme),
        fc.constant(''),
        timeText(1000),
        fc.oneof(
          { arbitrary: fc.nat(20).map(String), weight: 8 },
          { arbitrary: fc.constantFrom('-1', '1e400', '9007199254740993'), weight: 1 },
        ),
      ),
    ),
  'huawei-sparkrtc': (index) =>
    hostile(
      fc
        .record({
          type: fc.constantFrom('RECORD_NEW_FILE_START', 'RECORD_FILE_COMPLETE', 'CLOUD_RECORD_SERVER_OVER'),
          job: idText(index),
          room: text(40),
          file: text(80),
          start: fc
            .oneof(
              {
                arbitrary: fc.date({ min: new Date('2001-01-01'), max: new Date('2099-01-01'), noInvalidDate: true }),
                weight: 8,
              },
              { arbitrary: fc.constantFrom('2200-01-01T00:00:00Z', 'yesterday', '1999-12-31T23:59:59Z'), weight: 1 },
              { arbitrary: text(10), weight: 1 },
            )
            .map((start) => (start instanceof Date ? start.toISOString() : start)),
        })
        .map(({ type, job, room, file, start }) => ({
          event_type: type,
          app_id: DEV_APPS.sparkrtc,
          job_id: job,
          room_id: room,
          stream_name: 's',
          record_format: 'MP4',
          obs_object: file,
          download_url: `https://obs.example.com/${file.slice(0, 300)}`,
          start_time: start,
        })),
      fc.constant([]),
    ),
  agora: (index) =>
    hostile(
      fc
        .record({
          type: fc.constantFrom(3, 4, 11, 31, 40, 41, 33, 9999),
          sid: idText(index),
          cname: text(40),
          files: names(fc.integer({ min: 0, max: 4 })),
          status: fc.constantFrom(0, 1, 16),
        })
        .map(({ type, sid, cname, files, status }) => ({
          noticeId: 'n',
          productId: 3,
          eventType: type,
          notifyMs: N,
          sid,
          payload: {
            cname,
            uid: '1',
            sid,
            sequence: type,
            sendts: N,
            serviceType: 0,
            details: {
              status,
              leaveCode: status,
              exitStatus: status,
              fileList: type === 4 ? (files[0] ?? 'a.m3u8') : files.map((fileName) => ({ fileName })),
            },
          },
        })),
      fc.tuple(timeText(1), timeText(1)),
    ),
  livekit: (index) =>
    hostile(
      fc
        .record({
          event: fc.constantFrom('egress_started', 'egress_updated', 'egress_ended'),
          status: fc.constantFrom(undefined, 'EGRESS_ACTIVE', 'EGRESS_ENDING', 'EGRESS_COMPLETE', 'EGRESS_FAILED'),
          egressId: idText(index),
          room: text(40),
          files: names(fc.integer({ min: 0, max: 3 })),
          url: text(100),
        })
        .map(({ event, status, egressId, room, files, url }) => ({
          event,
          egressInfo: {
            egressId,
            roomName: room,
            ...(status && { status }),
            startedAt: `${N}`,
            fileResults: files.map((filename) => ({ filename, location: `https://bucket.example.com/${url}` })),
          },
          id: `EV_${egressId}`,
          createdAt: N,
        })),
      fc.tuple(
        fc.oneof(
          fc.constantFrom('"0"', '"1700000000123456789"', '"9"', '"99999999999999999999"'),
          timeText(1e-6).map((t) => JSON.stringify(t)),
        ),
        timeText(1000).map((t) => (t.startsWith('"') ? t : JSON.stringify(t))),
      ),
    ),
};

const APP_OF: Record<Endpoint, string> = {
  'tencent-im': DEV_APPS.trtcSigned,
  'tencent-trtc': DEV_APPS.trtcSigned,
  'tencent-gme': DEV_APPS.gme,
  'huawei-sparkrtc': DEV_APPS.sparkrtc,
  agora: AGORA_DEV_APP,
  livekit: LIVEKIT_DEV_APP,
};

let stack: Awaited<ReturnType<typeof useLocalStack>>;
let store: RecordingStore;
beforeAll(async () => {
  stack = await useLocalStack();
  store = new RecordingStore({
    client: documentClientFor(stack.stack.dynamodbEndpoint),
    tableName: stack.stack.tableName,
  });
});

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe.each(ENDPOINTS)('hostile signed bodies on %s, end to end', (endpoint) => {
  it(`refuses with a 4xx and queues nothing, or applies, answers and publishes (${CASES} cases)`, async () => {
    await stack.purge();
    const appId = APP_OF[endpoint];
    const platform = platformOf(endpoint);
    const key = await devKeyFor({ name: '', endpoint, appId, body: '' });
    const provider = providerFor(endpoint);
    const bus = new FakeBus();
    const publisher = await stack.publication(
      createStreamPublishHandler({
        deadLetters: new MemoryDeadLetters(),
        publisher: bus,
        summaries: store,
        logger: new Logger({ serviceName: 'hostile-fuzz' }),
        countOutcome: () => {},
      }) as Parameters<typeof stack.publication>[0],
    );
    const outcomes: Record<string, number> = {};
    const accepted = new Map<string, { taskId: string; body: string }>();
    let refusedQueued = 0;
    currentEndpoint = endpoint;
    const seed = Number(process.env.HOSTILE_SEED ?? 42);
    for (let index = 0; index < CASES; index += 1) {
      const [value] = fc.sample(BODIES[endpoint](index), { numRuns: 1, seed: seed + index });
      if (!value) throw new Error('no sample');
      const { body: raw, numbers, duplicateKey, extra: unknownField } = value;
      const object: Record<string, unknown> = {
        ...(raw as Record<string, unknown>),
        ...(unknownField === null ? {} : { x_unknown: unknownField }),
      };
      if (endpoint === 'tencent-gme') {
        numbers[1] = String(2n ** 60n + BigInt(RUN_AT) * 1000n + BigInt(index));
        delete object._index;
      }
      const body = render(object, numbers, duplicateKey);
      const sample: Sample = {
        name: 'hostile',
        endpoint,
        appId,
        body,
        query:
          endpoint === 'agora'
            ? { appId }
            : endpoint === 'tencent-im'
              ? { CallbackCommand: 'Live.CallbackAfterCloudRecordingChanged' }
              : undefined,
      };
      const before = await stack.queueDepth(stack.stack.queueUrl);
      const answer = await stack.post(signTestRequest(sample, { key }));
      const after = await stack.queueDepth(stack.stack.queueUrl);
      const status = answer.statusCode ?? 0;
      const reason =
        status === 200
          ? '200'
          : `${status} ${String(answer.body.message ?? answer.body.ErrorInfo ?? answer.body.result).replace(/\d+/g, 'N')}`;
      outcomes[reason] = (outcomes[reason] ?? 0) + 1;
      expect([200, 400], `${status} ${JSON.stringify(answer.body)} for ${body.slice(0, 300)}`).toContain(status);
      if (status !== 200) {
        if (after > before) refusedQueued += 1;
        continue;
      }
      // What process will apply: the production interpretation, for the case's recording key.
      const interpretation = withinBounds(
        provider.interpret({ appId, query: sample.query ?? {}, body: parseJsonObject(body) }),
      );
      if (interpretation.kind === 'unmodelled') {
        outcomes.unmodelled = (outcomes.unmodelled ?? 0) + 1;
        continue;
      }
      const { event } = interpretation;
      if (event.kind === 'recording') accepted.set(event.taskId, { taskId: event.taskId, body });
    }
    expect(refusedQueued).toBe(0);

    await stack.drain();
    await publisher.drain(60_000);

    let filesWalked = 0;
    let eventsWalked = 0;
    for (const { taskId, body } of accepted.values()) {
      const path = `/recordings/${platform}/${encodeURIComponent(appId)}/${encodeURIComponent(taskId)}`;
      const state = await stack.get(path);
      expect(state.statusCode, `${path} for ${body.slice(0, 300)}`).toBe(200);
      const names: string[] = state.body.files.map((file: { name: string }) => file.name);
      for (let cursor = state.body.filesNextCursor; cursor; ) {
        const page = await stack.get(`${path}/files?cursor=${encodeURIComponent(cursor)}&limit=37`);
        expect(page.statusCode).toBe(200);
        names.push(...page.body.files.map((file: { name: string }) => file.name));
        cursor = page.body.nextCursor;
      }
      expect(names.length, `files walk of ${path}`).toBe(state.body.fileCount);
      expect(new Set(names).size).toBe(names.length);
      expect([...names].sort(utf8Order)).toEqual(names);
      const wide = await stack.get(`${path}?filesLimit=1000`);
      expect(wide.body.files.map((file: { name: string }) => file.name)).toEqual(names.slice(0, 1000));
      filesWalked += names.length;

      let events = 0;
      for (let cursor: string | null = ''; cursor !== null; ) {
        const page = await stack.get(
          `${path}/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.statusCode, `timeline of ${path}`).toBe(200);
        events += page.body.events.length;
        cursor = page.body.nextCursor;
      }
      expect(events).toBe(state.body.eventCount);
      eventsWalked += events;

      const changes = bus.published.filter(
        (published) =>
          published.detailType === RECORDING_EVENT_TYPES.statusChanged &&
          published.detail.platform === platform &&
          published.detail.taskId === taskId,
      );
      expect(changes.length, `status changes published for ${path}`).toBeGreaterThan(0);
      expect(new Set(changes.map((change) => change.detail.id)).size).toBe(changes.length);
      expect(changes.at(-1)?.detail.status).toBe(state.body.status);
      for (const change of changes) {
        expect(change.detail.files.length).toBe(Math.min(change.detail.fileCount, 100));
      }
    }

    // Every accepted recording appears in its app's listing, and every listing page answers.
    const listed = new Set<string>();
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page = await stack.get(
        `/recordings/${platform}/${encodeURIComponent(appId)}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.statusCode).toBe(200);
      for (const recording of page.body.recordings) listed.add(recording.taskId);
      cursor = page.body.nextCursor;
    }
    for (const taskId of accepted.keys()) expect(listed.has(taskId), `listing holds ${taskId.slice(0, 80)}`).toBe(true);

    const deadLetters = await stack.queueDepth(stack.stack.deadLetterQueueUrl);
    expect(deadLetters).toBe(0);
    recordFigures(`hostile ${endpoint}`, {
      cases: CASES,
      outcomes,
      applied: accepted.size,
      filesWalked,
      eventsWalked,
      published: bus.published.length,
      deadLetters,
    });
  });
});
