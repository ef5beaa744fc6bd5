import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { DEV_APPS, SEED_004, trtcBody } from '../../../fixtures/samples';
import { toQueuedMessage } from '../../../fixtures/workload';
import { PoisonMessageError } from '../../../lib/errors';
import { processQueueMessage } from '../../../lib/process/process-queue-message';
import { createProviderRegistry } from '../../../lib/providers/registry';

// The store is a stub here: these tests are about process's wiring; the DynamoDB store is tested on DynamoDB Local.
function run(body: string, outcome: 'applied' | 'duplicate' | 'stale' = 'applied') {
  const counted: [string, Record<string, string>][] = [];
  const applied: string[] = [];
  const result = processQueueMessage(body, {
    providers: createProviderRegistry(),
    store: {
      applyRecordingEvent: async (event) => {
        applied.push(`recording ${event.taskId} ${event.eventType}`);
        return outcome;
      },
      applyRoomEvent: async (event) => {
        applied.push(`room ${event.roomId}`);
        return outcome;
      },
      markStale: async (key, quietSince) => {
        applied.push(`stale ${key.taskId} ${quietSince}`);
        return outcome === 'stale' ? 'duplicate' : outcome;
      },
    },
    logger: new Logger({ logLevel: 'SILENT' }),
    countOutcome: (name, dimensions) => counted.push([name, dimensions]),
  });
  return { result, counted, applied };
}

describe('processQueueMessage', () => {
  it('applies a recording event once and counts the outcome by platform', async () => {
    const message = toQueuedMessage({
      name: 't',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: trtcBody(302, { taskId: 'x' }),
    });
    const applied = run(message);
    expect(await applied.result).toBe('applied');
    expect(applied.applied).toEqual(['recording x 302']);
    expect(applied.counted).toEqual([['EventApplied', { platform: 'trtc' }]]);
    const duplicate = run(message, 'duplicate');
    expect(await duplicate.result).toBe('duplicate');
    expect(duplicate.counted).toEqual([['EventDuplicate', { platform: 'trtc' }]]);
  });

  it('applies a room event', async () => {
    const { result, applied } = run(
      toQueuedMessage({ ...SEED_004, query: { CallbackCommand: 'Room.CallbackAfterUpdateRoomInfo' } }),
    );
    expect(await result).toBe('applied');
    expect(applied).toEqual(['room rid-123']);
  });

  it.each([
    ['not JSON', 'message is not JSON'],
    ['{"version":2}', 'unsupported message version 2'],
    ['{"version":1,"endpoint":"zoom","appId":"1","receivedAt":0,"body":"{}"}', 'no known endpoint'],
    ['{"version":1,"endpoint":"tencent-trtc","appId":"1","receivedAt":0,"body":"{"}', 'body is not valid JSON'],
    [
      '{"version":1,"endpoint":"tencent-trtc","appId":"1","receivedAt":0,"body":"{\\"EventGroupId\\":3}"}',
      'EventType must be an integer',
    ],
  ])('throws PoisonMessageError for %s, without touching the store', async (body, reason) => {
    const { result, applied } = run(body);
    await expect(result).rejects.toThrow(PoisonMessageError);
    await expect(result).rejects.toThrow(reason);
    expect(applied).toEqual([]);
  });
});
