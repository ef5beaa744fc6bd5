import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingStore } from '../../lib/adapters/recording-store';
import { SqsSweepQueue } from '../../lib/adapters/sqs-sweep-queue';
import { parseAppsDocument } from '../../lib/config/apps';
import type { RecordingEvent } from '../../lib/model/events';
import { createStreamPublishHandler } from '../../lib/publish/stream-handler';
import { type SweepOptions, sweepStaleRecordings } from '../../lib/sweep/sweep';
import { interpretSample } from '../helpers/interpret';
import { FakeBus } from '../helpers/publication';
import { documentClientFor } from '../helpers/recording-view';
import { gmeBody } from '../helpers/samples';
import { uniqueId, useLocalStack } from './local-stack';

const HOUR = 3_600_000;
/** The sweep and the publisher run 7 h ahead: everything applied now is 1 h past the 6 h threshold. */
const later = () => Date.now() + 7 * HOUR;

let stack: Awaited<ReturnType<typeof useLocalStack>>;
let store: RecordingStore;
const silent = new Logger({ logLevel: 'SILENT' });

beforeAll(async () => {
  stack = await useLocalStack();
  store = new RecordingStore({
    client: documentClientFor(stack.stack.dynamodbEndpoint),
    tableName: stack.stack.tableName,
  });
});

/** Applies events as process would, and projects them: the recordings the sweep will find. */
async function seed(events: readonly RecordingEvent[]) {
  for (const event of events) await store.applyRecordingEvent(event, Date.now());
  await stack.project();
}

const gmeSegment = (appId: string, taskId: string, eventType: number, seqNo = 0): RecordingEvent => {
  const event = interpretSample({
    name: 'gme',
    endpoint: 'tencent-gme',
    appId,
    body: gmeBody({ taskId, eventType, seqNo, timestamp: 1_675_930_605 }),
  });
  return { ...event, eventId: event.eventId };
};

function sweepOptions(apps: unknown, overrides: Partial<SweepOptions> = {}): SweepOptions {
  return {
    apps: parseAppsDocument(apps, 'test'),
    source: store,
    queue: new SqsSweepQueue({ client: stack.sqs, queueUrl: stack.stack.queueUrl }),
    logger: silent,
    countOutcome: () => {},
    staleAfterMs: 6 * HOUR,
    env: {},
    deadline: Number.POSITIVE_INFINITY,
    now: later,
    ...overrides,
  };
}

/** Publishes what the table's stream announces from now on, 7 h ahead like the sweep. */
async function announcements() {
  const bus = new FakeBus();
  const reader = await stack.publication(
    createStreamPublishHandler({
      publisher: bus,
      files: store,
      summaries: store,
      logger: silent,
      countOutcome: () => {},
      now: later,
    }),
  );
  return { bus, drain: () => reader.drain() };
}

describe('the sweep on DynamoDB Local and the SQS emulator', () => {
  it('announces each stale quiet period once; a callback starts a new one; finished recordings are left alone', async () => {
    const appId = uniqueId('gme-sweep');
    const apps = { apps: [{ platform: 'gme', appId, secretKey: 'not-used' }] };
    const [open, other, done] = ['1', '2', '3'].map((n) => `44694670528${Date.now() % 1e7}${n}`) as [
      string,
      string,
      string,
    ];
    await seed([
      gmeSegment(appId, open, 1),
      gmeSegment(appId, other, 1),
      ...[1, 2, 3].map((type) => gmeSegment(appId, done, type)),
    ]);
    const published = await announcements();

    const first = await sweepStaleRecordings(sweepOptions(apps));
    expect(first).toMatchObject({ apps: 1, swept: 2, noticed: 2, vendorQueries: 0, failures: 0 });
    await stack.drain();
    await published.drain();
    const stale = published.bus.published.filter((event) => event.detailType === 'Recording Stale');
    expect(stale.map((event) => event.detail.taskId).sort()).toEqual([open, other].sort());
    expect(stale[0]?.detail).toMatchObject({ platform: 'gme', appId, status: 'recording', stale: true, eventCount: 1 });

    // Nothing new to say: the notices are recorded, and the bookkeeping is not an event.
    const second = await sweepStaleRecordings(sweepOptions(apps));
    expect(second).toMatchObject({ swept: 2, noticed: 0 });
    expect((await stack.get(`/recordings/gme/${appId}/${open}`)).body).toMatchObject({ eventCount: 1, stale: false });

    // A callback ends the quiet period of `open`: once it is stale again, it is announced again.
    await seed([gmeSegment(appId, open, 2)]);
    const third = await sweepStaleRecordings(sweepOptions(apps, { now: () => Date.now() + 14 * HOUR }));
    expect(third).toMatchObject({ swept: 2, noticed: 1 });
    await stack.drain();
    await published.drain();
    const announcedFor = published.bus.published
      .filter((event) => event.detailType === 'Recording Stale')
      .map((event) => event.detail.taskId);
    expect(announcedFor.filter((taskId) => taskId === open)).toHaveLength(2);
    expect(announcedFor).not.toContain(done);
    expect(new Set(published.bus.published.map((event) => event.id)).size).toBe(published.bus.published.length);
  });

  it('lists only recordings of the app swept, through the index, however many pages', async () => {
    const appId = uniqueId('gme-pages');
    const tasks = Array.from(
      { length: 230 },
      (_, index) => `4469467052${String(Date.now() % 1e6).padStart(6, '0')}${String(index).padStart(3, '0')}`,
    );
    await seed(tasks.map((taskId) => gmeSegment(appId, taskId, 1)));
    const report = await sweepStaleRecordings(
      sweepOptions({ apps: [{ platform: 'gme', appId, secretKey: 'not-used' }] }),
    );
    expect(report).toMatchObject({ swept: 150, noticed: 150, failures: 0 });
    await stack.drain();
  }, 120_000);
});
