import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { interpretSample } from '../../fixtures/interpret';
import { liveKitBody } from '../../fixtures/livekit-samples';
import { gmeBody, sparkRtcBody, trtcBody } from '../../fixtures/samples';
import { QUERY_TEST_CREDENTIALS } from '../../fixtures/test-secrets';
import { SqsSweepQueue } from '../../lib/adapters/sqs-sweep-queue';
import { parseAppsDocument } from '../../lib/config/apps';
import type { RecordingEvent } from '../../lib/model/events';
import { RECORDING_QUERIES } from '../../lib/providers/registry';
import { createStreamPublishHandler } from '../../lib/publish/stream-handler';
import { type SweepOptions, sweepStaleRecordings } from '../../lib/sweep/sweep';
import { LIVEKIT_ANSWERS, startFakeLiveKitApi } from '../fakes/livekit-api';
import { SPARKRTC_ANSWERS, startFakeSparkRtcApi } from '../fakes/sparkrtc-api';
import { startFakeTrtcApi, TRTC_ANSWERS } from '../fakes/trtc-api';
import { FakeBus, MemoryDeadLetters } from '../helpers/publication';
import { RecordingStore } from '../helpers/recording-store';
import { documentClientFor } from '../helpers/recording-view';
import { uniqueId, useLocalStack } from './local-stack';

/**
 * A threshold of 50 ms, so that what a test applies is stale a moment later: the clocks stay real,
 * as the vendors check request times against theirs.
 */
const STALE_AFTER_MS = 50;
const becomeStale = () => new Promise((resolve) => setTimeout(resolve, STALE_AFTER_MS + 10));

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
  for (let start = 0; start < events.length; start += 25) {
    await Promise.all(events.slice(start, start + 25).map((event) => store.applyRecordingEvent(event, Date.now())));
  }
  await stack.project();
  await becomeStale();
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
    queries: RECORDING_QUERIES,
    source: store,
    queue: new SqsSweepQueue({ client: stack.sqs, queueUrl: stack.stack.queueUrl }),
    logger: silent,
    countOutcome: () => {},
    staleAfterMs: STALE_AFTER_MS,
    env: {},
    deadline: Number.POSITIVE_INFINITY,
    ...overrides,
  };
}

/** Publishes what the table's stream announces from now on, with the sweep's threshold. */
async function announcements() {
  const bus = new FakeBus();
  const reader = await stack.publication(
    createStreamPublishHandler({
      deadLetters: new MemoryDeadLetters(),
      publisher: bus,
      summaries: store,
      logger: silent,
      countOutcome: () => {},
      staleAfterHours: STALE_AFTER_MS / 3_600_000,
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
    const third = await sweepStaleRecordings(sweepOptions(apps));
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
      { length: 150 },
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

/** Interprets a callback body as process would, for an app of this test. */
const callback = (endpoint: 'tencent-trtc' | 'huawei-sparkrtc' | 'livekit', appId: string, body: string) => {
  const event = interpretSample({ name: endpoint, endpoint, appId, body });
  return { ...event, eventId: event.eventId };
};

/** Sweeps, then lets process, the projector and the publisher apply what it queued. */
async function sweepAndApply(options: SweepOptions, published: Awaited<ReturnType<typeof announcements>>) {
  const report = await sweepStaleRecordings(options);
  await stack.drain();
  await published.drain();
  return report;
}

const stateOf = async (platform: string, appId: string, taskId: string) =>
  (await stack.get(`/recordings/${platform}/${appId}/${encodeURIComponent(taskId)}`)).body;

describe('reconciliation with the vendors (fakes that verify signatures)', () => {
  it('TRTC DescribeCloudRecording: alive, ended, not found, error, slow; asked again only while alive or unknown', async () => {
    const fake = await startFakeTrtcApi({
      credentials: { [QUERY_TEST_CREDENTIALS.trtc.secretId]: QUERY_TEST_CREDENTIALS.trtc.secretKey },
    });
    try {
      const appId = String(1_400_000_000 + Math.floor(Math.random() * 90_000_000));
      const apps = {
        apps: [{ platform: 'trtc', appId, callbackKey: 'not-used', api: QUERY_TEST_CREDENTIALS.trtc }],
      };
      const task = (name: string) => `${name}-${appId}`;
      const scripts = {
        alive: TRTC_ANSWERS.alive,
        ended: TRTC_ANSWERS.ended,
        gone: TRTC_ANSWERS.notFound,
        error: TRTC_ANSWERS.internalError,
        slow: { ...TRTC_ANSWERS.alive, delayMs: 2_000 },
      };
      for (const [name, answer] of Object.entries(scripts)) fake.script(task(name), answer);
      await seed(
        Object.keys(scripts).map((name) => callback('tencent-trtc', appId, trtcBody(301, { taskId: task(name) }))),
      );
      const before = await stateOf('trtc', appId, task('ended'));
      const published = await announcements();
      const options = sweepOptions(apps, { env: { TRTC_API_ENDPOINT: fake.url }, vendorTimeoutMs: 500 });

      const first = await sweepAndApply(options, published);
      expect(first).toMatchObject({ swept: 5, noticed: 5, vendorQueries: 5, failures: 0 });
      expect(first.findings).toEqual({ alive: 1, ended: 2, unknown: 2, failed: 0 });
      expect(fake.callCount('DescribeCloudRecording')).toBe(5);
      expect(fake.requests.filter((request) => request.refusal)).toEqual([]);
      const expected = {
        alive: ['recording', 'alive', 'InProgress'],
        ended: ['stopped', 'ended', 'Exited'],
        gone: ['stopped', 'ended', 'ResourceNotFound'],
        error: ['recording', 'unknown', 'InternalError.CRInternalError'],
        slow: ['recording', 'unknown', 'timeout'],
      };
      for (const [name, [status, vendorStatus, detail]] of Object.entries(expected)) {
        const state = await stateOf('trtc', appId, task(name));
        expect(state, name).toMatchObject({ status, eventCount: 2, reconciliation: { vendorStatus, detail } });
      }
      // Listings carry the answer too (README, "Paging, listings and the timeline": every field but the files).
      const listed = await stack.get(`/recordings/trtc/${appId}?limit=100`);
      expect(
        Object.fromEntries(
          (listed.body.recordings as { taskId: string; reconciliation: { detail: string } }[]).map((entry) => [
            entry.taskId,
            entry.reconciliation.detail,
          ]),
        ),
      ).toEqual(Object.fromEntries(Object.entries(expected).map(([name, [, , detail]]) => [task(name), detail])));
      // The quiet period is the callbacks': a fact does not end it.
      expect((await stateOf('trtc', appId, task('ended'))).updatedAt).toBe(before.updatedAt);
      const events = published.bus.published.map(
        (event) => `${event.detailType} ${event.detail.taskId} ${event.detail.status}`,
      );
      expect(events.filter((event) => event.startsWith('Recording Stale'))).toHaveLength(5);
      expect(events.filter((event) => event.startsWith('Recording Status Changed')).sort()).toEqual(
        [
          `Recording Status Changed ${task('ended')} stopped`,
          `Recording Status Changed ${task('gone')} stopped`,
        ].sort(),
      );

      // Next run: the vendor is asked again only about what it has not said ended; the same answer is the same fact.
      fake.resetCalls();
      fake.script(task('slow'), TRTC_ANSWERS.alive);
      const second = await sweepAndApply(options, published);
      expect(second).toMatchObject({ swept: 5, noticed: 0, vendorQueries: 3 });
      expect(fake.callCount('DescribeCloudRecording')).toBe(3);
      expect(await stateOf('trtc', appId, task('alive'))).toMatchObject({ eventCount: 2 });
      expect(await stateOf('trtc', appId, task('slow'))).toMatchObject({
        eventCount: 3,
        reconciliation: { vendorStatus: 'alive', detail: 'InProgress' },
      });
      expect(published.bus.published.filter((event) => event.detailType === 'Recording Stale')).toHaveLength(5);

      // The lost 305 arrives after all: the callbacks decide completed.
      await seed([callback('tencent-trtc', appId, trtcBody(305, { taskId: task('ended'), payload: { Status: 0 } }))]);
      expect(await stateOf('trtc', appId, task('ended'))).toMatchObject({ status: 'completed', stale: false });
    } finally {
      await fake.close();
    }
  });

  it('SparkRTC: mixed or single-stream job, INTERNAL_ERROR fails it, not found on both paths ends it, errors are unknown', async () => {
    const { ak, sk, projectId } = QUERY_TEST_CREDENTIALS.sparkrtc;
    const fake = await startFakeSparkRtcApi({ credentials: { [ak]: { sk, projectId } } });
    try {
      const appId = uniqueId('spark-sweep');
      const apps = {
        apps: [{ platform: 'sparkrtc', appId, allowUnsigned: true, api: QUERY_TEST_CREDENTIALS.sparkrtc }],
      };
      const job = (name: string) => `${name}-${appId}`;
      const scripts = {
        mixed: SPARKRTC_ANSWERS.alive,
        single: SPARKRTC_ANSWERS.individualAlive,
        failed: SPARKRTC_ANSWERS.failed,
        stopped: SPARKRTC_ANSWERS.ended,
        error: SPARKRTC_ANSWERS.serverError,
      };
      for (const [name, answer] of Object.entries(scripts)) fake.script(job(name), answer);
      const names = [...Object.keys(scripts), 'gone'];
      await seed(
        names.map((name) =>
          callback('huawei-sparkrtc', appId, sparkRtcBody('RECORD_NEW_FILE_START', { jobId: job(name), appId })),
        ),
      );
      const published = await announcements();
      const report = await sweepAndApply(sweepOptions(apps, { env: { SPARKRTC_API_ENDPOINT: fake.url } }), published);
      expect(report).toMatchObject({ swept: 6, vendorQueries: 6, failures: 0 });
      expect(fake.requests.filter((request) => request.refusal)).toEqual([]);
      const expected = {
        mixed: ['recording', 'alive', 'RUNNING'],
        single: ['recording', 'alive', 'RUNNING'],
        failed: ['failed', 'failed', 'STOPPED/INTERNAL_ERROR'],
        stopped: ['stopped', 'ended', 'STOPPED/TENANT_STOP'],
        error: ['recording', 'unknown', 'HTTP 500 RTC.00002001'],
        gone: ['stopped', 'ended', 'not found'],
      };
      for (const [name, [status, vendorStatus, detail]] of Object.entries(expected)) {
        expect(await stateOf('sparkrtc', appId, job(name)), name).toMatchObject({
          status,
          reconciliation: { vendorStatus, detail },
        });
      }
      // A job found only as a single-stream job, or not at all, cost a second call.
      expect(fake.callCount('mix-stream-jobs')).toBe(6);
      expect(fake.callCount('individual-stream-jobs')).toBe(2);
      // A failed recording is finished: no longer stale, no longer swept.
      const again = await sweepStaleRecordings(sweepOptions(apps, { env: { SPARKRTC_API_ENDPOINT: fake.url } }));
      expect(again.swept).toBe(5);
      await stack.drain();
    } finally {
      await fake.close();
    }
  });

  it('LiveKit ListEgress: its EgressInfo is applied as the webhook it mirrors, files and all', async () => {
    const { apiKey, apiSecret } = QUERY_TEST_CREDENTIALS.livekit;
    const fake = await startFakeLiveKitApi({ apiKeys: { [apiKey]: apiSecret } });
    try {
      const appId = uniqueId('livekit-sweep');
      const apps = { apps: [{ platform: 'livekit', appId, apiKeys: { [apiKey]: apiSecret }, api: { url: fake.url } }] };
      const egress = (name: string) => `EG_${name}_${appId.replaceAll('-', '')}`;
      const scripts = {
        complete: LIVEKIT_ANSWERS.complete,
        active: LIVEKIT_ANSWERS.active,
        failed: LIVEKIT_ANSWERS.failed,
      };
      for (const [name, answer] of Object.entries(scripts)) fake.script(egress(name), answer);
      const names = [...Object.keys(scripts), 'gone'];
      await seed(
        names.map((name) =>
          callback(
            'livekit',
            appId,
            liveKitBody({ egressId: egress(name), event: 'egress_started', id: `EV_${name}_${appId}` }),
          ),
        ),
      );
      const published = await announcements();
      const report = await sweepAndApply(sweepOptions(apps), published);
      expect(report).toMatchObject({ swept: 4, vendorQueries: 4, failures: 0 });
      expect(fake.callCount('ListEgress')).toBe(4);
      expect(fake.requests.filter((request) => request.refusal)).toEqual([]);
      expect(await stateOf('livekit', appId, egress('complete'))).toMatchObject({
        status: 'completed',
        fileCount: 1,
        files: [{ name: 'recordings/room-42/egress.mp4', status: 'uploaded' }],
        reconciliation: { vendorStatus: 'ended', detail: 'EGRESS_COMPLETE' },
        eventTypes: { egress_started: 1, egress_ended: 1, 'reconciliation:ended': 1 },
      });
      expect(await stateOf('livekit', appId, egress('active'))).toMatchObject({
        status: 'recording',
        reconciliation: { vendorStatus: 'alive', detail: 'EGRESS_ACTIVE' },
      });
      expect(await stateOf('livekit', appId, egress('failed'))).toMatchObject({ status: 'failed' });
      expect(await stateOf('livekit', appId, egress('gone'))).toMatchObject({
        status: 'stopped',
        reconciliation: { vendorStatus: 'ended', detail: 'not_found' },
      });
      const completed = published.bus.published.find(
        (event) => event.detail.taskId === egress('complete') && event.detailType === 'Recording Status Changed',
      );
      expect(completed?.detail).toMatchObject({ status: 'completed', previousStatus: 'recording' });
    } finally {
      await fake.close();
    }
  });
});
