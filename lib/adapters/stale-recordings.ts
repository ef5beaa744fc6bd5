import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type RecordingStatus, UNFINISHED_STATUSES } from '../model/recording-state';
import type { Platform } from '../platforms';
import type { SweepCandidate, SweepSource } from '../sweep/sweep';
import { DynamoDbTable } from './dynamodb-table';
import {
  appStatusKey,
  type LegacySummaryItem,
  SUMMARY_SORT_KEY,
  type SummaryItem,
  staleNoticeSortKey,
  TIME_INDEX,
  timeText,
  toSummary,
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
            ProjectionExpression: 'pk, taskId',
            Limit: pageSize,
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
        const entries = (page.Items ?? []) as Pick<SummaryItem, 'pk' | 'taskId'>[];
        if (entries.length > 0) yield await this.sweepCandidates(platform, appId, entries, staleBefore);
        exclusiveStartKey = page.LastEvaluatedKey;
      } while (exclusiveStartKey);
    }
  }

  /**
   * The summaries of one page (the index holds neither their `updatedAt` nor their reconciliation),
   * then the notices of their quiet periods: two batch reads.
   */
  private async sweepCandidates(
    platform: Platform,
    appId: string,
    entries: readonly Pick<SummaryItem, 'pk' | 'taskId'>[],
    staleBefore: number,
  ): Promise<SweepCandidate[]> {
    // Eventually consistent, half the price: what a lagging read misses, process dedupes or the next run sees.
    const items = await this.batchGet(
      entries.map(({ pk }) => ({ pk, sk: SUMMARY_SORT_KEY })),
      'pk, sk, taskId, #status, folded, updatedAt, reconciliation',
      { '#status': 'status' },
    );
    const unfinished: readonly RecordingStatus[] = UNFINISHED_STATUSES;
    const quiet = entries.flatMap(({ pk, taskId }) => {
      const item = items.get(`${pk}|${SUMMARY_SORT_KEY}`) as SummaryItem | LegacySummaryItem | undefined;
      if (!item) return [];
      const { status, updatedAt, reconciliation } = toSummary(item);
      // The index lags the table (and lists by activity to within LISTING_STEP_MS): skip a recording
      // that finished or heard a callback since `staleBefore`.
      return unfinished.includes(status) && updatedAt < staleBefore
        ? [{ pk, taskId, status, updatedAt, reconciliation }]
        : [];
    });
    const notices = await this.batchGet(
      quiet.map(({ pk, updatedAt }) => ({ pk, sk: staleNoticeSortKey(updatedAt) })),
      'pk, sk',
    );
    return quiet.map(({ pk, taskId, status, updatedAt, reconciliation }) => ({
      key: { platform, appId, taskId },
      status,
      quietSince: updatedAt,
      noticed: notices.has(`${pk}|${staleNoticeSortKey(updatedAt)}`),
      reconciliation,
    }));
  }
}
