import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { FileMention } from '../model/events';
import type { SummaryVersion } from '../model/recording-event';
import type { RecordingKey } from '../model/recording-state';
import type { FilePage, RecordingSummary } from '../model/recording-summary';
import { DynamoDbTable } from './dynamodb-table';
import {
  FILE_PREFIX,
  type FileItem,
  fileInVersion,
  filesCursorAfter,
  type LegacySummaryItem,
  recordingPartitionKey,
  SUMMARY_SORT_KEY,
  type SummaryItem,
  toFileMention,
  toSummary,
} from './table-layout';

/** A summary and the stream position of its version. */
type VersionedSummary = RecordingSummary & Pick<SummaryVersion, 'lastSequence'>;

/**
 * A recording's summary item and the files of its version: what the publisher reads for an event's
 * detail, and the query for a recording's answer.
 */
export class DynamoDbSummaryReader extends DynamoDbTable {
  async getSummary(key: RecordingKey): Promise<VersionedSummary | null> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: recordingPartitionKey(key), sk: SUMMARY_SORT_KEY } }),
    );
    return item ? toVersionedSummary(item as SummaryItem | LegacySummaryItem) : null;
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
    return item ? toVersionedSummary(item as SummaryItem | LegacySummaryItem) : null;
  }

  /**
   * The first `limit` files of one summary version, in name order: file items whose first naming
   * event that version folded (`fileInVersion`). One Query of at most `limit` items, whatever the
   * recording's size; a file named by an event not folded yet is skipped, and the Query goes on. `consistent` for the
   * publisher, which must see the file items the projector wrote before the version.
   */
  async versionFiles(
    version: Pick<VersionedSummary, 'platform' | 'appId' | 'taskId' | 'fileCount' | 'lastSequence'>,
    limit: number,
    options: { consistent?: boolean; firstPage?: Promise<FileItemsPage> } = {},
  ): Promise<FilePage> {
    const files: FileMention[] = [];
    const wanted = Math.min(limit, version.fileCount);
    // A prefetched page nobody reads must not reject unobserved.
    if (wanted === 0) await options.firstPage?.catch(() => undefined);
    let page = wanted > 0 ? await (options.firstPage ?? this.fileItems(version, wanted, options)) : undefined;
    while (page) {
      for (const item of page.items) {
        if (fileInVersion(item, version.lastSequence) && files.length < wanted) files.push(toFileMention(item));
      }
      page = files.length < wanted && page.next ? await this.fileItems(version, wanted, options, page.next) : undefined;
    }
    const last = files[files.length - 1];
    const nextCursor =
      version.fileCount > files.length && last !== undefined ? filesCursorAfter(version, last.name) : null;
    return { files, nextCursor };
  }

  /** Up to `limit` of a recording's file items in name order, from `after` (a Query's `LastEvaluatedKey`). */
  protected async fileItems(
    key: RecordingKey,
    limit: number,
    options: { consistent?: boolean },
    after?: Record<string, unknown>,
  ): Promise<FileItemsPage> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :files)',
        ExpressionAttributeValues: { ':pk': recordingPartitionKey(key), ':files': FILE_PREFIX },
        ProjectionExpression: 'sk, #name, statuses, urls, firstSequence',
        ExpressionAttributeNames: { '#name': 'name' },
        ConsistentRead: options.consistent,
        Limit: limit,
        ExclusiveStartKey: after,
      }),
    );
    return { items: (page.Items ?? []) as FileItem[], next: page.LastEvaluatedKey };
  }
}

/** One Query's file items, and where the next Query starts when more remain. */
interface FileItemsPage {
  readonly items: readonly FileItem[];
  readonly next: Record<string, unknown> | undefined;
}

function toVersionedSummary(item: SummaryItem | LegacySummaryItem): VersionedSummary {
  return { ...toSummary(item), lastSequence: item.lastSequence };
}
