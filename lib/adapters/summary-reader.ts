import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SummaryVersion } from '../model/recording-event';
import type { RecordingKey } from '../model/recording-state';
import type { RecordingSummary } from '../model/recording-summary';
import { DynamoDbTable } from './dynamodb-table';
import { recordingPartitionKey, SUMMARY_SORT_KEY, type SummaryItem, toSummary } from './table-layout';

/** A recording's summary item: what the publisher reads for a stale notice, and the query's first read. */
export class DynamoDbSummaryReader extends DynamoDbTable {
  async getSummary(key: RecordingKey): Promise<RecordingSummary | null> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: recordingPartitionKey(key), sk: SUMMARY_SORT_KEY } }),
    );
    return item ? toSummary(item as SummaryItem) : null;
  }

  /** The summary as the publisher announces it, with its stream position: a consistent read. */
  async getSummaryVersion(key: RecordingKey): Promise<SummaryVersion | null> {
    const { Item: item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: recordingPartitionKey(key), sk: SUMMARY_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    if (!item) return null;
    return { ...toSummary(item as SummaryItem), lastSequence: (item as SummaryItem).lastSequence };
  }
}
