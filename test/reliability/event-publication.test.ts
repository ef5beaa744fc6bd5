import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { interpretSample } from '../../fixtures/interpret';
import { DEV_APPS, trtcBody } from '../../fixtures/samples';
import { EventBridgePublisher } from '../../lib/adapters/eventbridge-publisher';
import type { RecordingEventDetail } from '../../lib/model/recording-event';
import { createStreamPublishHandler } from '../../lib/publish/stream-handler';
import { startFakeEventBridge } from '../helpers/fake-eventbridge';
import { changeCollector, checkPublications, MemoryDeadLetters, PERFECT } from '../helpers/publication';
import { RecordingStore } from '../helpers/recording-store';
import { documentClientFor } from '../helpers/recording-view';
import { useLocalStack } from '../integration/local-stack';
import { FULL, recordFigures } from './figures';

const CHANGES = Number(process.env.EVENTS_FAULT_CHANGES ?? (FULL ? 1_000 : 300));
const OUTAGE_SECONDS = Number(process.env.EVENTS_FAULT_OUTAGE_SECONDS ?? (FULL ? 20 : 3));
/** Outside the outage, this share of entries is refused anyway (PutEvents partial failures). */
const REFUSED_PERCENT = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stack: Awaited<ReturnType<typeof useLocalStack>>;
let store: RecordingStore;

beforeAll(async () => {
  stack = await useLocalStack();
  store = new RecordingStore({
    client: documentClientFor(stack.stack.dynamodbEndpoint),
    tableName: stack.stack.tableName,
  });
});

/** Each TRTC recording goes recording → stopped → completed: three status changes. */
const PHASES: [number, Record<string, unknown>][] = [
  [301, { Status: 0 }],
  [302, { LeaveCode: 0 }],
  [305, { Status: 0 }],
];

describe('the bus unavailable while recordings change status', () => {
  it(`publishes all ${CHANGES} changes after a ${OUTAGE_SECONDS} s outage, none lost, no id changed`, async () => {
    let outageUntil = 0;
    const fake = await startFakeEventBridge(() =>
      Date.now() < outageUntil
        ? { kind: 'unavailable' }
        : { kind: 'refuse', errorCode: 'ThrottlingException', which: () => Math.random() * 100 < REFUSED_PERCENT },
    );
    const collector = changeCollector();
    const [publisher, changes] = await Promise.all([
      stack.publication(
        createStreamPublishHandler({
          deadLetters: new MemoryDeadLetters(),
          // The SDK's own retries (3 attempts) as in Lambda, then ours, then the stream's.
          publisher: new EventBridgePublisher({ client: fake.client({ maxAttempts: 3 }), eventBusName: 'recordings' }),
          summaries: store,
          logger: new Logger({ logLevel: 'SILENT' }),
          countOutcome: () => {},
        }),
      ),
      stack.publication(collector.handler),
    ]);
    const run = `bus-${Date.now().toString(36)}`;
    const tasks = Array.from({ length: Math.ceil(CHANGES / PHASES.length) }, (_, index) => `${run}-${index}`);
    const started = Date.now();
    outageUntil = started + OUTAGE_SECONDS * 1000;
    publisher.start();
    try {
      // The three phases are written and projected across the outage, so every change happens during it.
      for (const [phase, [eventType, payload]] of PHASES.entries()) {
        await sleep(Math.max(0, started + (phase * OUTAGE_SECONDS * 1000) / PHASES.length - Date.now()));
        for (const taskId of tasks) {
          const event = interpretSample({
            name: 'x',
            endpoint: 'tencent-trtc',
            appId: DEV_APPS.trtc,
            body: trtcBody(eventType, { taskId, payload }),
          });
          await store.applyRecordingEvent(event, Date.now());
        }
        await stack.project();
      }
      await changes.drain();
      const expectedChanges = [...collector.expected.values()].reduce(
        (sum, { changeIds }) => sum + changeIds.length,
        0,
      );
      const deadline = Date.now() + 120_000 + OUTAGE_SECONDS * 1000;
      const published = () => new Set(fake.accepted.map((entry) => JSON.parse(entry.Detail ?? '{}').id)).size;
      while (published() < expectedChanges && Date.now() < deadline) await sleep(100);
      const recoveredAfterMs = Date.now() - outageUntil;
      await publisher.stop();

      const details = fake.accepted.map((entry) => ({
        detail: JSON.parse(entry.Detail ?? '{}') as RecordingEventDetail,
      }));
      const figures = checkPublications(details, collector.expected);
      const expectedIds = new Set([...collector.expected.values()].flatMap(({ changeIds }) => changeIds));
      const unexpectedIds = new Set(details.map(({ detail }) => detail.id).filter((id) => !expectedIds.has(id))).size;
      recordFigures('recording events: bus outage', {
        statusChanges: expectedChanges,
        recordings: tasks.length,
        outageSeconds: OUTAGE_SECONDS,
        putEventsCalls: fake.calls(),
        publications: figures.publications,
        lost: figures.lost,
        idsChanged: figures.idsChanged + unexpectedIds,
        regressions: figures.regressions,
        wrongLast: figures.wrongLast,
        allPublishedSecondsAfterRecovery: Math.max(0, Math.round(recoveredAfterMs / 100) / 10),
      });
      expect(expectedChanges).toBe(tasks.length * PHASES.length);
      expect(figures).toMatchObject({ ...PERFECT, recordings: tasks.length });
      expect(unexpectedIds).toBe(0);
    } finally {
      await publisher.stop();
      await fake.stop();
    }
  });
});
