import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, paginateQuery, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDbEventWriter } from '../lib/adapters/event-writer';
import { type EventItem, recordingPartitionKey, SUMMARY_SORT_KEY, toAppliedEvent } from '../lib/adapters/table-layout';
import type { RecordingEvent } from '../lib/model/events';
import {
  deriveRecordingState,
  eventSortKey,
  type RecordingKey,
  type RecordingState,
  segmentFacts,
  statusFacts,
} from '../lib/model/recording-state';
import type { AppliedEvent, StatusRule } from '../lib/model/status-rule';
import type { ApplyOutcome } from '../lib/process/process-callback';
import { STATUS_RULES } from '../lib/providers/registry';

/**
 * The alternative to the stream projector that we measured and did not choose: one
 * `TransactWriteItems` per event, the event put and a commutative summary update together.
 * Atomic, but every item written in a transaction costs two write units, the summary item of a busy
 * recording becomes a transaction hot spot, and keeping file items too would make it three items.
 * Enough of it to measure requests and throughput; it keeps no file items.
 */
export function transactionStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): Pick<DynamoDbEventWriter, 'applyRecordingEvent' | 'applyRoomEvent'> {
  return {
    async applyRecordingEvent(event: RecordingEvent, receivedAt: number): Promise<ApplyOutcome> {
      const pk = recordingPartitionKey(event);
      const appliedAt = Date.now();
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    pk,
                    sk: eventSortKey(event),
                    eventType: event.eventType,
                    files: event.files,
                    receivedAt,
                    appliedAt,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: { pk, sk: `${SUMMARY_SORT_KEY}-transaction` },
                  UpdateExpression: 'ADD eventCount :one, statusFacts :facts SET updatedAt = :appliedAt',
                  ExpressionAttributeValues: {
                    ':one': 1,
                    ':facts': new Set(transactionFacts({ ...event, appliedAt }, STATUS_RULES[event.platform])),
                    ':appliedAt': appliedAt,
                  },
                },
              },
            ],
          }),
        );
        return 'applied';
      } catch (error) {
        if (error instanceof TransactionCanceledException) return 'duplicate';
        throw error;
      }
    },
    applyRoomEvent: async () => 'applied',
  };
}

/** The previous release's read: every event item of the recording, state derived on read. */
export async function deriveOnRead(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: RecordingKey,
): Promise<RecordingState> {
  const items: EventItem[] = [];
  for await (const page of paginateQuery(
    { client, pageSize: 1000 },
    {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
      ExpressionAttributeValues: { ':pk': recordingPartitionKey(key), ':events': 'EVENT#' },
    },
  )) {
    items.push(...((page.Items ?? []) as EventItem[]));
  }
  return deriveRecordingState(key, items.map(toAppliedEvent), {
    now: Date.now(),
    staleAfterMs: 6 * 3_600_000,
    rules: STATUS_RULES,
  });
}

/**
 * What this alternative adds to its summary per event: the status facts, and (GME) the segment facts
 * keyed by segment, as the previous release kept them. Never empty: DynamoDB refuses an empty set.
 */
function transactionFacts(event: AppliedEvent, rule: StatusRule): string[] {
  const segment = segmentFacts(rule, event);
  const facts = [...statusFacts(rule, event), ...(segment?.facts.map((fact) => `${segment.segment}:${fact}`) ?? [])];
  return facts.length > 0 ? facts : [`type:${event.eventType}`];
}
