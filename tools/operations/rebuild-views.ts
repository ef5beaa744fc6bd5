import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { RebuildResult, SummaryProjector } from '../../lib/adapters/summary-projector';
import type { RecordingKey } from '../../lib/model/recording-state';
import type { Platform } from '../../lib/platforms';

export interface RebuildViewsOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  projector: Pick<SummaryProjector, 'rebuild'>;
  dryRun?: boolean;
  /** Recordings rebuilt at once. */
  concurrency?: number;
  onProgress?: (report: RebuildViewsReport) => void;
}

export interface RebuildViewsReport {
  recordings: number;
  /** Summaries that differed from the events (missing ones included); rewritten unless a dry run. */
  differing: number;
  /** Summary items in the previous release's shape (rewritten in this release's unless a dry run). */
  reshaped: number;
  /** File items under an earlier release's key (moved to their name-order key unless a dry run). */
  migratedFiles: number;
  failed: number;
  /** Up to ten differing recordings, to look at. */
  examples: RebuildResult[];
  errors: string[];
}

/**
 * Recomputes every recording's summary and file items from its event items (README, "Operations").
 * Finding the recordings is a Scan of keys: an operator's repair, never a route. Safe to repeat.
 */
export async function rebuildViews(options: RebuildViewsOptions): Promise<RebuildViewsReport> {
  const report: RebuildViewsReport = {
    recordings: 0,
    differing: 0,
    reshaped: 0,
    migratedFiles: 0,
    failed: 0,
    examples: [],
    errors: [],
  };
  const seen = new Set<string>();
  const concurrency = options.concurrency ?? 8;
  const running = new Set<Promise<void>>();

  const rebuildOne = async (key: RecordingKey) => {
    try {
      const result = await options.projector.rebuild(key, { dryRun: options.dryRun });
      if (result.changed) {
        report.differing += 1;
        if (report.examples.length < 10) report.examples.push(result);
      }
      if (result.reshaped) report.reshaped += 1;
      report.migratedFiles += result.migratedFiles;
    } catch (error) {
      report.failed += 1;
      if (report.errors.length < 10) report.errors.push(`${key.platform}/${key.appId}/${key.taskId}: ${String(error)}`);
    }
    report.recordings += 1;
    options.onProgress?.(report);
  };

  const pages = paginateScan(
    { client: options.client, pageSize: 1000 },
    {
      TableName: options.tableName,
      FilterExpression: 'begins_with(pk, :recording) AND begins_with(sk, :event)',
      ExpressionAttributeValues: { ':recording': 'REC#', ':event': 'EVENT#' },
      ProjectionExpression: 'pk, platform, appId, taskId',
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      if (seen.has(item.pk)) continue;
      seen.add(item.pk);
      const task = rebuildOne({ platform: item.platform as Platform, appId: item.appId, taskId: item.taskId }).finally(
        () => running.delete(task),
      );
      running.add(task);
      if (running.size >= concurrency) await Promise.race(running);
    }
  }
  await Promise.all(running);
  return report;
}
