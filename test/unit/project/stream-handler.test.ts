import { Logger } from '@aws-lambda-powertools/logger';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { StreamedEvent } from '../../../lib/project/stream-handler';
import { createStreamProjectHandler } from '../../../lib/project/stream-handler';

const eventRecord = (sequence: string, taskId: string, image?: object): DynamoDBRecord => {
  const pk = `REC#trtc#1400000001#${taskId}`;
  const sk = `EVENT#301#${sequence}`;
  return {
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: sequence,
      Keys: marshall({ pk, sk }) as never,
      NewImage: (image ?? marshall({ pk, sk, platform: 'trtc', appId: '1400000001', taskId })) as never,
    },
  };
};

/** A projector that folds every recording but `p`, whose events can never be folded. */
function projectorFailing(taskId: string) {
  const folded: string[] = [];
  return {
    folded,
    project: async (events: readonly StreamedEvent[]) => {
      const failures = [];
      const groups = new Map<string, StreamedEvent[]>();
      for (const event of events) groups.set(event.item.pk, [...(groups.get(event.item.pk) ?? []), event]);
      for (const [partitionKey, group] of groups) {
        if (partitionKey.endsWith(`#${taskId}`)) {
          failures.push({ partitionKey, firstSequence: group[0]?.sequence ?? '', error: new TypeError('bad event') });
        } else folded.push(...group.map((event) => event.sequence));
      }
      return { folded: folded.length, skipped: 0, failures };
    },
  };
}

const handlerWith = (projector: ReturnType<typeof projectorFailing>) =>
  createStreamProjectHandler({ projector, logger: new Logger({ logLevel: 'SILENT' }), countOutcome: () => {} });

describe('a record the projector cannot fold', () => {
  it('reports only its recording, from its first record; the other recordings are folded', async () => {
    const projector = projectorFailing('p');
    const response = await handlerWith(projector)({
      Records: [eventRecord('100', 'a'), eventRecord('200', 'p'), eventRecord('300', 'b'), eventRecord('400', 'p')],
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
    expect(projector.folded).toEqual(['100', '300']);
  });

  it('a record whose image cannot be read is reported alone; only what came before it is folded', async () => {
    const projector = projectorFailing('none');
    const unreadable = eventRecord('200', 'q', { pk: { S: 'REC#trtc#1400000001#q' }, taskId: {} });
    const response = await handlerWith(projector)({
      Records: [eventRecord('100', 'a'), unreadable, eventRecord('300', 'b')],
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
    expect(projector.folded).toEqual(['100']);
  });
});
