import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { RecordingStore } from '../../lib/adapters/recording-store';
import { type EventItem, recordingPartitionKey, toAppliedEvent } from '../../lib/adapters/table-layout';
import { deriveRecordingState, type RecordingKey, type RecordingState } from '../../lib/model/recording-state';
import { localClientConfig } from '../../local/emulators';

export const documentClientFor = (endpoint: string, client = new DynamoDBClient(localClientConfig(endpoint))) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/**
 * The contract's reference: `deriveRecordingState` over the set of distinct event items stored for
 * the recording, read back from the table, as the materialized summary must equal.
 */
export async function derivedFromEvents(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: RecordingKey,
  options: { now: number; staleAfterMs: number },
): Promise<RecordingState | null> {
  const items: EventItem[] = [];
  for await (const page of paginateQuery(
    { client },
    {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
      ExpressionAttributeValues: { ':pk': recordingPartitionKey(key), ':events': 'EVENT#' },
      ConsistentRead: true,
    },
  )) {
    items.push(...((page.Items ?? []) as EventItem[]));
  }
  return items.length === 0 ? null : deriveRecordingState(key, items.map(toAppliedEvent), options);
}

/** The materialized state with every file on one page, to compare with the derivation. */
export async function materialized(store: RecordingStore, key: RecordingKey): Promise<RecordingState | null> {
  return store.getRecording(key, { filesLimit: 1_000 });
}
