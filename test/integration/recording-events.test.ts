import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { devKeyFor } from '../../fixtures/dev-apps';
import { DEV_APPS, type Sample, trtcBody } from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import type { RecordingEvent } from '../../lib/model/events';
import { createStreamPublishHandler } from '../../lib/publish/stream-handler';
import { createLocalPublishHandler } from '../../local/http-event-publisher';
import type { StreamHandler } from '../../local/stream-poller';
import { gmeEvent, type LogicalEvent, schedule, sparkEvent, trtcEvent } from '../helpers/event-arbitraries';
import { startEventReceiver } from '../helpers/event-receiver';
import { changeCollector, checkPublications, FakeBus, MemoryDeadLetters, PERFECT } from '../helpers/publication';
import { detailProblems } from '../helpers/recording-event-schema';
import { RecordingStore } from '../helpers/recording-store';
import { documentClientFor } from '../helpers/recording-view';
import { uniqueId, useLocalStack } from './local-stack';

const RUNS = Number(process.env.EVENTS_PROPERTY_RUNS ?? 6);
let stack: Awaited<ReturnType<typeof useLocalStack>>;
let store: RecordingStore;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  stack = await useLocalStack();
  store = new RecordingStore({
    client: documentClientFor(stack.stack.dynamodbEndpoint),
    tableName: stack.stack.tableName,
  });
});
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** The publisher and a collector of the changes it must publish, both reading the stream from now on. */
async function readers(handler: StreamHandler) {
  const collector = changeCollector();
  const [publisher, changes] = await Promise.all([stack.publication(handler), stack.publication(collector.handler)]);
  return { publisher, expected: collector.expected, drain: () => Promise.all([publisher.drain(), changes.drain()]) };
}

const PLATFORMS: [string, (taskId: string) => fc.Arbitrary<LogicalEvent>][] = [
  ['trtc', trtcEvent],
  ['gme', gmeEvent],
  ['sparkrtc', sparkEvent],
];

describe.each(PLATFORMS)('%s events from the real projector on DynamoDB Local', (platform, eventFor) => {
  it('are all published, never regress, end with the final status, with stable ids, through a flaky bus', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constant(null).chain(() => {
          run += 1;
          const tasks = [0, 1].map((index) =>
            platform === 'gme'
              ? String(446946705284000000n + BigInt(Date.now() % 1e9) * 10n + BigInt(run * 2 + index))
              : uniqueId(`events-${run}-${index}`),
          );
          return schedule(fc.oneof(...tasks.map(eventFor)), { maxEvents: 16, maxCopies: 3 });
        }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 60 }),
        async ({ deliveries }, steps, refusePercent) => {
          let calls = 0;
          // Refuses entries at random, and crashes after publishing every fifth call, for its first 30 calls.
          const bus = new FakeBus(() =>
            calls < 30 && Math.random() * 100 < refusePercent ? 'ThrottlingException' : undefined,
          );
          const publish = bus.publish.bind(bus);
          bus.publish = async (events) => {
            calls += 1;
            const failures = await publish(events);
            if (calls < 30 && calls % 5 === 0) throw new Error('crashed after publishing');
            return failures;
          };
          const { drain, expected } = await readers(
            createStreamPublishHandler({
              deadLetters: new MemoryDeadLetters(),
              publisher: bus,
              summaries: store,
              logger: new Logger({ logLevel: 'SILENT' }),
              countOutcome: () => {},
              baseDelayMs: 1,
            }),
          );
          // The deliveries arrive in `steps` parts, each projected before the next: several summary versions.
          const size = Math.ceil(deliveries.length / steps);
          for (let start = 0; start < deliveries.length; start += size) {
            for (const event of deliveries.slice(start, start + size))
              await store.applyRecordingEvent(event as RecordingEvent, Date.now());
            await stack.project();
          }
          await drain();
          expect(expected.size).toBe(new Set(deliveries.map((event) => event.taskId)).size);
          expect(checkPublications(bus.published, expected)).toMatchObject(PERFECT);
          for (const event of bus.published) expect(detailProblems(event.detail)).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/**
 * A TRTC lifecycle in three phases (started, stopped, ended), each callback delivered 1–3 times
 * (vendor retries differ in CallbackTs), shuffled within its phase, and every phase carrying late
 * redeliveries of the phases before it.
 */
function shuffledLifecycle(taskId: string, random: () => number): Sample[][] {
  const phases: [number, Record<string, unknown>][][] = [
    [
      [301, { Status: 0 }],
      [303, { Status: 0 }],
      [304, { FileList: `${taskId}/index.m3u8` }],
      [307, { FileName: `${taskId}/slice-1.ts` }],
    ],
    [[302, { LeaveCode: 0 }]],
    [[305, { Status: 0 }]],
  ];
  let copy = 0;
  const deliveries = ([eventType, payload]: [number, Record<string, unknown>]) =>
    Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      name: `trtc-${eventType}`,
      endpoint: 'tencent-trtc' as const,
      appId: DEV_APPS.trtc,
      body: trtcBody(eventType, { taskId, payload, callbackTs: 1_752_580_000_000 + copy++ }),
    }));
  return phases.map((phase, index) =>
    [
      ...phase.flatMap(deliveries),
      ...phases
        .slice(0, index)
        .flat()
        .filter(() => random() < 0.5)
        .flatMap(deliveries),
    ]
      .map((sample) => ({ sample, order: random() }))
      .sort((a, b) => a.order - b.order)
      .map(({ sample }) => sample),
  );
}

/** Posts each phase's callbacks through the real ingest; each phase is applied and projected before the next. */
async function deliver(phases: readonly Sample[][]) {
  for (const phase of phases) {
    for (const sample of phase) {
      const answer = await stack.post(signTestRequest(sample, { key: await devKeyFor(sample) }));
      expect(answer.statusCode).toBe(200);
    }
    await stack.drain();
  }
}

describe('the local stack publisher and a real HTTP receiver', () => {
  const lifecycles = (count: number) => {
    let seed = 42;
    const random = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    return Array.from({ length: count }, (_, index) => shuffledLifecycle(uniqueId(`hook-${index}`), random));
  };

  it('gets every change of shuffled, duplicated TRTC lifecycles as EventBridge envelopes, in order, ending completed', async () => {
    const receiver = await startEventReceiver();
    stops.push(receiver.stop);
    const { publisher, expected, drain } = await readers(
      createLocalPublishHandler({
        publicationDeadLetterQueueUrl: stack.stack.publicationDeadLetterQueueUrl,
        client: stack.documentClient,
        tableName: stack.stack.tableName,
        eventsUrl: receiver.url,
        countOutcome: () => {},
      }),
    );
    const all = lifecycles(4);
    for (const phases of all) await deliver(phases);
    await drain();
    await publisher.stop();

    const envelopes = receiver.received.map(({ envelope }) => envelope);
    expect(expected.size).toBe(4);
    // Every lifecycle went recording → stopped → completed, one projected phase at a time.
    for (const recording of expected.values()) expect(recording.changeIds).toHaveLength(3);
    expect(checkPublications(envelopes, expected)).toMatchObject({ ...PERFECT, recordings: 4 });
    for (const recording of expected.values()) expect(recording.finalStatus).toBe('completed');
    for (const envelope of envelopes) {
      expect(envelope).toEqual({
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'Recording Status Changed',
        source: 'rtc-recording-callbacks',
        account: '000000000000',
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        region: 'us-east-1',
        resources: [],
        detail: expect.any(Object),
      });
      expect(detailProblems(envelope.detail)).toEqual([]);
    }
    const completed = envelopes.filter(({ detail }) => detail.status === 'completed');
    // The playlist and the slice travel with `completed`: no GET needed for a short recording.
    for (const { detail } of completed) expect(detail.files.map((file) => file.name)).toHaveLength(2);
  });

  it('loses nothing while the receiver fails for a while: every change arrives once it answers 2xx', async () => {
    let failUntil = Number.POSITIVE_INFINITY;
    const receiver = await startEventReceiver({ failing: () => Date.now() < failUntil });
    stops.push(receiver.stop);
    const { publisher, expected, drain } = await readers(
      createLocalPublishHandler({
        publicationDeadLetterQueueUrl: stack.stack.publicationDeadLetterQueueUrl,
        client: stack.documentClient,
        tableName: stack.stack.tableName,
        eventsUrl: receiver.url,
        countOutcome: () => {},
      }),
    );
    publisher.start();
    for (const phases of lifecycles(3)) await deliver(phases);
    failUntil = Date.now() + 2_000;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await publisher.stop();
    await drain();

    expect(receiver.refused()).toBeGreaterThan(0);
    expect(receiver.received.length).toBeGreaterThanOrEqual(9);
    expect(
      checkPublications(
        receiver.received.map(({ envelope }) => envelope),
        expected,
      ),
    ).toMatchObject({
      ...PERFECT,
      recordings: 3,
    });
  });
});
