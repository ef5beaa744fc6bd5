import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { LIVEKIT_DEV_APP, liveKitBody } from '../../../fixtures/livekit-samples';
import { PoisonMessageError } from '../../../lib/errors';
import type { RecordingEvent } from '../../../lib/model/events';
import { encodeSweepMessage, type SweepMessage } from '../../../lib/model/sweep-message';
import { processQueueMessage } from '../../../lib/process/process-queue-message';
import { createProviderRegistry } from '../../../lib/providers/registry';

// A stub store: this is process's wiring; the writes themselves are tested on DynamoDB Local.
function run(message: SweepMessage | string) {
  const events: RecordingEvent[] = [];
  const notices: string[] = [];
  const counted: [string, Record<string, string>][] = [];
  const result = processQueueMessage(typeof message === 'string' ? message : encodeSweepMessage(message), {
    providers: createProviderRegistry(),
    store: {
      applyRecordingEvent: async (event) => {
        events.push(event);
        return 'applied';
      },
      applyRoomEvent: async () => 'applied',
      markStale: async (key, quietSince) => {
        notices.push(`${key.platform}/${key.appId}/${key.taskId}@${quietSince}`);
        return 'duplicate';
      },
    },
    logger: new Logger({ logLevel: 'SILENT' }),
    countOutcome: (name, dimensions) => counted.push([name, dimensions]),
  });
  return { result, events, notices, counted };
}

const key = { platform: 'trtc', appId: '1400000001', taskId: 'task-1' } as const;

describe('process: what the sweep queues', () => {
  it('a stale notice is recorded once per quiet period, as bookkeeping, not an event', async () => {
    const { result, events, notices, counted } = run({ version: 1, kind: 'stale', ...key, quietSince: 1_000 });
    expect(await result).toBe('duplicate');
    expect(notices).toEqual(['trtc/1400000001/task-1@1000']);
    expect(events).toEqual([]);
    expect(counted).toEqual([['StaleNoticeRecorded', { platform: 'trtc', outcome: 'duplicate' }]]);
  });

  it('a vendor answer is a fact event, identified by the answer and the quiet period only', async () => {
    const message = (checkedAt: number, quietSince = 1_000, detail = 'Exited'): SweepMessage => ({
      version: 1,
      kind: 'reconciliation',
      ...key,
      quietSince,
      checkedAt,
      finding: { vendorStatus: 'ended', detail },
    });
    const first = run(message(2_000));
    expect(await first.result).toBe('applied');
    const [fact] = first.events;
    expect(fact).toMatchObject({
      ...key,
      eventType: 'reconciliation:ended',
      reconciled: true,
      reconciliation: { vendorStatus: 'ended', detail: 'Exited', quietSince: 1_000 },
      files: [],
    });
    const sameAnswerLater = run(message(9_000));
    await sameAnswerLater.result;
    expect(sameAnswerLater.events[0]?.eventId).toBe(fact?.eventId);
    for (const other of [message(2_000, 5_000), message(2_000, 1_000, 'ResourceNotFound')]) {
      const { result, events } = run(other);
      await result;
      expect(events[0]?.eventId).not.toBe(fact?.eventId);
    }
  });

  it("LiveKit's EgressInfo is applied as the webhook it mirrors, marked reconciled, then the fact", async () => {
    const mirrored = JSON.parse(
      liveKitBody({
        egressId: 'EG_1',
        event: 'egress_ended',
        status: 'EGRESS_COMPLETE',
        id: 'reconciled-EG_1-EGRESS_COMPLETE-1700000600000000001',
        file: 'room-42/EG_1.mp4',
      }),
    );
    const { result, events } = run({
      version: 1,
      kind: 'reconciliation',
      platform: 'livekit',
      appId: LIVEKIT_DEV_APP,
      taskId: 'EG_1',
      quietSince: 1_000,
      checkedAt: 2_000,
      finding: { vendorStatus: 'ended', detail: 'EGRESS_COMPLETE', mirroredCallback: mirrored },
    });
    expect(await result).toBe('applied');
    expect(events.map((event) => [event.eventType, event.reconciled])).toEqual([
      ['egress_ended', true],
      ['reconciliation:ended', true],
    ]);
    expect(events[0]?.files).toEqual([
      { name: 'room-42/EG_1.mp4', url: 'https://bucket.example.com/room-42/EG_1.mp4', status: 'uploaded' },
    ]);
    expect(events[0]?.eventId).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each<[string, { taskId?: string; mirroredCallback?: object }]>([
    ['another task', { taskId: 'EG_other' }],
    ['not a webhook', { mirroredCallback: { event: 'egress_ended' } }],
  ])('a mirrored callback about %s is dropped, logged and counted; the fact is applied', async (_name, change) => {
    const mirroredCallback = JSON.parse(
      liveKitBody({ egressId: 'EG_1', event: 'egress_updated', status: 'EGRESS_ACTIVE', id: 'x' }),
    );
    const { result, events } = run({
      version: 1,
      kind: 'reconciliation',
      platform: 'livekit',
      appId: LIVEKIT_DEV_APP,
      taskId: change.taskId ?? 'EG_1',
      quietSince: 1_000,
      checkedAt: 2_000,
      finding: {
        vendorStatus: 'alive',
        detail: 'EGRESS_ACTIVE',
        mirroredCallback: change.mirroredCallback ?? mirroredCallback,
      },
    });
    expect(await result).toBe('applied');
    expect(events.map((event) => event.eventType)).toEqual(['reconciliation:alive']);
  });

  it.each([
    ['an unknown platform', { version: 1, kind: 'stale', platform: 'zoom', appId: 'a', taskId: 't', quietSince: 1 }],
    ['no quiet period', { version: 1, kind: 'stale', platform: 'trtc', appId: 'a', taskId: 't' }],
    [
      'an unknown vendor status',
      {
        version: 1,
        kind: 'reconciliation',
        ...key,
        quietSince: 1,
        checkedAt: 2,
        finding: { vendorStatus: 'gone', detail: '' },
      },
    ],
    ['a later version', { version: 2, kind: 'stale', ...key, quietSince: 1 }],
  ])('%s is a poison message, left for the DLQ', async (_name, message) => {
    const { result, events, notices } = run(JSON.stringify(message));
    await expect(result).rejects.toBeInstanceOf(PoisonMessageError);
    expect([...events, ...notices]).toEqual([]);
  });
});
