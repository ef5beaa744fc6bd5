import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordingEvent } from '../../lib/model/events';
import {
  agoraEvent,
  gmeEvent,
  type LogicalEvent,
  liveKitEvent,
  schedule,
  sparkEvent,
  trtcEvent,
} from '../helpers/event-arbitraries';
import { RecordingStore } from '../helpers/recording-store';
import { crashingProjection, derivedFromEvents, documentClientFor, materialized } from '../helpers/recording-view';
import { useLocalStack } from '../integration/local-stack';
import { FULL, recordFigures } from './figures';

const SCHEDULES = Number(process.env.VIEW_CONVERGENCE_SCHEDULES ?? (FULL ? 300 : 10));
const OPTIONS = { now: Date.parse('2026-11-23T12:00:00Z'), staleAfterMs: 6 * 3_600_000 };

let stack: Awaited<ReturnType<typeof useLocalStack>>;
let store: RecordingStore;

beforeAll(async () => {
  stack = await useLocalStack();
  store = new RecordingStore({
    client: documentClientFor(stack.stack.dynamodbEndpoint),
    tableName: stack.stack.tableName,
    now: () => OPTIONS.now,
  });
});

let run = 0;
/** Three interleaved tasks per schedule, fresh for every run so that runs never share a recording. */
const tasks = (platform: string) =>
  [0, 1, 2].map((index) =>
    platform === 'gme' ? String(446946705284000000n + BigInt(run * 3 + index)) : `view-${platform}-${run}-${index}`,
  );

const PLATFORMS: [string, (taskId: string) => fc.Arbitrary<LogicalEvent>][] = [
  ['trtc', trtcEvent],
  ['gme', gmeEvent],
  ['sparkrtc', sparkEvent],
  ['agora', agoraEvent],
  ['livekit', liveKitEvent],
];

describe.each(PLATFORMS)('%s materialized summaries under crashes', (platform, eventFor) => {
  it(`equal the derivation from the stored events after a projector crash at a random write (${SCHEDULES} schedules)`, async () => {
    let deliveries = 0;
    let crashes = 0;
    let recordings = 0;
    const runStarted = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.constant(null).chain(() => {
          run += 1;
          return schedule(fc.oneof(...tasks(platform).map(eventFor)), { maxEvents: 24, maxCopies: 4 });
        }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom('before' as const, 'after' as const),
        async ({ deliveries: events }, crashAt, when) => {
          const { reader, writes } = await crashingProjection(stack, crashAt, when);
          for (const event of events) await store.applyRecordingEvent(event, Date.now());
          await reader.drain();
          deliveries += events.length;
          if (writes() >= crashAt) crashes += 1;
          for (const taskId of new Set(events.map((event) => event.taskId))) {
            const first = events.find((event) => event.taskId === taskId) as RecordingEvent;
            const key = { platform: first.platform, appId: first.appId, taskId };
            const expected = await derivedFromEvents(stack.documentClient, stack.stack.tableName, key, OPTIONS);
            expect(await materialized(store, key)).toEqual(expected);
            recordings += 1;
          }
        },
      ),
      { numRuns: SCHEDULES },
    );
    recordFigures(`materialized view ${platform}`, {
      schedules: SCHEDULES,
      recordings,
      deliveries,
      projectorCrashes: crashes,
      mismatches: 0,
      seconds: Math.round((Date.now() - runStarted) / 1000),
    });
  });
});
