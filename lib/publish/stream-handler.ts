import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import {
  STALE_NOTICE_PREFIX,
  type StaleNoticeItem,
  SUMMARY_SORT_KEY,
  type SummaryItem,
  toSummary,
} from '../adapters/table-layout';
import { type CountOutcome, OUTCOME_METRICS } from '../metrics';
import { type SummaryVersion, staleAnnouncementOf, statusChangeOf } from '../model/recording-event';
import type { RecordingKey } from '../model/recording-state';
import {
  type PublishStatusChangesOptions,
  publishStatusChanges,
  type StreamedAnnouncement,
} from './publish-status-changes';

export interface PublishDependencies extends Omit<PublishStatusChangesOptions, 'onPublished' | 'onFailed'> {
  /** The current summary, for a stale notice (consistent read). */
  summaries: { getSummaryVersion(key: RecordingKey): Promise<SummaryVersion | null> };
  countOutcome: CountOutcome;
}

/**
 * The stream records the publisher reads: a summary version marked as a status change by the
 * projector. The event source mapping filters to these already (serverless.yml), so other summary
 * versions cost no invocation; checking again keeps the local poller and AWS identical. The
 * decision itself is `statusChangeOf` on the two images.
 */
export function isSummaryChangeRecord(record: DynamoDBRecord): boolean {
  return (
    (record.eventName === 'INSERT' || record.eventName === 'MODIFY') &&
    record.dynamodb?.Keys?.sk?.S === SUMMARY_SORT_KEY &&
    record.dynamodb.NewImage?.statusChanged?.BOOL === true
  );
}

/** A stale notice the sweep had process record: announced as `Recording Stale` (README, "Lost callbacks"). */
export function isStaleNoticeRecord(record: DynamoDBRecord): boolean {
  return record.eventName === 'INSERT' && (record.dynamodb?.Keys?.sk?.S ?? '').startsWith(STALE_NOTICE_PREFIX);
}

/** The records the publish function's event source mapping lets through (serverless.yml). */
export const isAnnouncementRecord = (record: DynamoDBRecord): boolean =>
  isSummaryChangeRecord(record) || isStaleNoticeRecord(record);

/** `Recording Stale` for a notice record, judged on the summary as it is now. */
async function staleAnnouncementFrom(
  record: DynamoDBRecord,
  deps: Pick<PublishDependencies, 'summaries' | 'logger'>,
): Promise<StreamedAnnouncement | undefined> {
  const data = record.dynamodb;
  if (!data?.NewImage || !data.SequenceNumber) return undefined;
  const notice = unmarshall(data.NewImage as Record<string, AttributeValue>) as StaleNoticeItem;
  const current = await deps.summaries.getSummaryVersion(notice);
  const change = current && staleAnnouncementOf(current, notice);
  if (!change) {
    deps.logger.info('stale notice not announced: a callback ended the quiet period, or the recording finished', {
      platform: notice.platform,
      appId: notice.appId,
      taskId: notice.taskId,
      quietSince: notice.quietSince,
    });
  }
  return change ? { sequence: data.SequenceNumber, change } : undefined;
}

const toVersion = (image: Record<string, AttributeValue>): SummaryVersion => {
  const item = unmarshall(image) as SummaryItem;
  return { ...toSummary(item), lastSequence: item.lastSequence };
};

/** The status change a summary record announces, if any (the pure decision on its two images). */
export function streamedChangeOf(record: DynamoDBRecord): StreamedAnnouncement | undefined {
  const data = record.dynamodb;
  if (!data?.NewImage || !data.SequenceNumber) return undefined;
  const previous = data.OldImage ? toVersion(data.OldImage as Record<string, AttributeValue>) : undefined;
  const change = statusChangeOf(previous, toVersion(data.NewImage as Record<string, AttributeValue>));
  return change ? { sequence: data.SequenceNumber, change } : undefined;
}

/**
 * The DynamoDB Streams handler of the outbox: the summary item is the outbox, so a status change is
 * durable before it is published and nothing is written twice. Changes not published are reported
 * from the earliest one (ReportBatchItemFailures), so the stream retries them in order; records
 * retried with them are published again with the same `detail.id`.
 */
export function createStreamPublishHandler(deps: PublishDependencies) {
  const { countOutcome, summaries, ...options } = deps;
  return async function publishStreamBatch(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    // In stream order. A record that cannot be read (a summary not read for a stale notice, an image
    // that is not a summary version) stops the batch there: what came before is published, and the
    // stream retries from that record, then gives up on it alone (README, "Stream dead letters").
    const changes: StreamedAnnouncement[] = [];
    let unreadFrom: string | undefined;
    for (const record of event.Records) {
      if (isStaleNoticeRecord(record)) {
        try {
          const announcement = await staleAnnouncementFrom(record, { summaries, logger: options.logger });
          if (announcement) changes.push(announcement);
        } catch (error) {
          unreadFrom = record.dynamodb?.SequenceNumber;
          options.logger.warn('summary not read for a stale notice, left for the stream to retry', {
            error: error instanceof Error ? error.name : 'unknown',
          });
          break;
        }
      } else if (isSummaryChangeRecord(record)) {
        try {
          const announcement = streamedChangeOf(record);
          if (announcement) changes.push(announcement);
        } catch (error) {
          unreadFrom = record.dynamodb?.SequenceNumber;
          options.logger.warn('summary version not read, left for the stream to isolate', {
            sequence: unreadFrom,
            error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
          });
          countOutcome(OUTCOME_METRICS.eventPublishFailed, { reason: 'DetailNotBuilt' });
          break;
        }
      }
    }
    if (changes.length === 0)
      return { batchItemFailures: unreadFrom === undefined ? [] : [{ itemIdentifier: unreadFrom }] };
    const { retryFrom: unpublishedFrom } = await publishStatusChanges(changes, {
      ...options,
      onPublished: (published) =>
        countOutcome(OUTCOME_METRICS.eventPublished, {
          detailType: published.detailType,
          status: published.detail.status,
        }),
      onFailed: (failure) => countOutcome(OUTCOME_METRICS.eventPublishFailed, { reason: failure.reason }),
    });
    // The earlier of the two positions: that record, and everything after it, is retried in order
    // (for a stream, Lambda resumes at the lowest reported sequence number).
    const retryFrom = [unpublishedFrom, unreadFrom]
      .filter((sequence) => sequence !== undefined)
      .sort((a, b) => a.length - b.length || (a < b ? -1 : 1))[0];
    return { batchItemFailures: retryFrom === undefined ? [] : [{ itemIdentifier: retryFrom }] };
  };
}
