import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type RecordingStatus, UNFINISHED_STATUSES } from '../model/recording-state';
import type { Platform } from '../platforms';
import type { SweepCandidate, SweepSource } from '../sweep/sweep';
import { DynamoDbTable } from './dynamodb-table';
import {
  appStatusKey,
  SUMMARY_SORT_KEY,
  type SummaryItem,
  staleNoticeSortKey,
  TIME_INDEX,
  timeText,
} from './table-layout';

/** What the sweep reads (README, "Lost callbacks"): index Queries and batch reads, never a Scan, never a write. */
export class DynamoDbStaleRecordings extends DynamoDbTable implements SweepSource {
  /**
   * An app's unfinished recordings quiet since before `staleBefore`, oldest first, in pages: per
   * unfinished status, index Queries with the quiet period as a key condition (never a Scan), and
   * one batch read of the summaries and their notices per page.
   */
  async *staleRecordings(
    platform: Platform,
    appId: string,
    staleBefore: number,
    pageSize = 100,
  ): AsyncGenerator<SweepCandidate[]> {
    for (const status of UNFINISHED_STATUSES) {
      let exclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TIME_INDEX,
            KeyConditionExpression: 'timeKey = :key AND timeSort < :before',
            ExpressionAttributeValues: {
              ':key': appStatusKey(platform, appId, status),
              ':before': timeText(staleBefore),
            },
            ProjectionExpression: 'pk, taskId, updatedAt',
            Limit: pageSize,
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
        const entries = (page.Items ?? []) as Pick<SummaryItem, 'pk' | 'taskId' | 'updatedAt'>[];
        if (entries.length > 0) yield await this.sweepCandidates(platform, appId, entries, staleBefore);
        exclusiveStartKey = page.LastEvaluatedKey;
      } while (exclusiveStartKey);
    }
  }

  /** The summaries (the index does not hold their reconciliation) and notices of one page. */
  private async sweepCandidates(
    platform: Platform,
    appId: string,
    entries: readonly Pick<SummaryItem, 'pk' | 'taskId' | 'updatedAt'>[],
    staleBefore: number,
  ): Promise<SweepCandidate[]> {
    const keys = entries.flatMap(({ pk, updatedAt }) => [
      { pk, sk: SUMMARY_SORT_KEY },
      { pk, sk: staleNoticeSortKey(updatedAt) },
    ]);
    // Eventually consistent, half the price: what a lagging read misses, process dedupes or the next run sees.
    const items = await this.batchGet(keys, 'pk, sk, #status, updatedAt, reconciliation', { '#status': 'status' });
    const unfinished: readonly RecordingStatus[] = UNFINISHED_STATUSES;
    return entries.flatMap(({ pk, taskId, updatedAt }): SweepCandidate[] => {
      const summary = items.get(`${pk}|${SUMMARY_SORT_KEY}`) as SummaryItem | undefined;
      // The index lags the table: skip a recording that finished or heard a callback meanwhile.
      if (!summary || !unfinished.includes(summary.status) || summary.updatedAt >= staleBefore) return [];
      return [
        {
          key: { platform, appId, taskId },
          status: summary.status,
          quietSince: summary.updatedAt,
          noticed: summary.updatedAt === updatedAt && items.has(`${pk}|${staleNoticeSortKey(updatedAt)}`),
          reconciliation: summary.reconciliation ?? null,
        },
      ];
    });
  }
}
