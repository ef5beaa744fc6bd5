import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import {
  compareSequences,
  type LegacySummaryItem,
  STALE_NOTICE_PREFIX,
  type StaleNoticeItem,
  SUMMARY_SORT_KEY,
  type SummaryItem,
  toSummary,
} from '../adapters/table-layout';
import { type CountOutcome, OUTCOME_METRICS } from '../metrics';
import { type SummaryVersion, staleAnnouncementOf, statusChangeOf } from '../model/recording-event';
import type { RecordingKey } from '../model/recording-state';
import { FIRST_FILES_PAGE, type FilePage } from '../model/recording-summary';
import {
  type AnnouncementRecord,
  type PublishStatusChangesOptions,
  publishStatusChanges,
  type StreamedAnnouncement,
} from './publish-status-changes';

/** A stream record no event can ever describe, kept for an operator with why (README, "Stream dead letters"). */
export interface PublicationDeadLetter {
  readonly reason: string;
  readonly sequence: string;
  readonly record: DynamoDBRecord;
}

/** Where such records go: the publication dead-letter queue, with its alarm. */
export interface PublicationDeadLetters {
  /** Resolves once every letter is durably queued; throws otherwise (the stream then retries the record). */
  send(letters: readonly PublicationDeadLetter[]): Promise<void>;
}

/** What the publisher reads from the table. */
export interface PublicationReader {
  /** The current summary, for a stale notice (consistent read). */
  getSummaryVersion(key: RecordingKey): Promise<SummaryVersion | null>;
  /** The first `limit` files of a summary version, in name order (consistent read). */
  versionFiles(version: SummaryVersion, limit: number, options: { consistent: true }): Promise<FilePage>;
}

export interface PublishDependencies extends Omit<PublishStatusChangesOptions, 'onPublished' | 'onFailed'> {
  summaries: PublicationReader;
  deadLetters: PublicationDeadLetters;
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
): Promise<AnnouncementRecord | undefined> {
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
  const item = unmarshall(image) as SummaryItem | LegacySummaryItem;
  return { ...toSummary(item), lastSequence: item.lastSequence };
};

/** The status change a summary record announces, if any (the pure decision on its two images). */
export function streamedChangeOf(record: DynamoDBRecord): AnnouncementRecord | undefined {
  const data = record.dynamodb;
  if (!data?.NewImage || !data.SequenceNumber) return undefined;
  const previous = data.OldImage ? toVersion(data.OldImage as Record<string, AttributeValue>) : undefined;
  const change = statusChangeOf(previous, toVersion(data.NewImage as Record<string, AttributeValue>));
  return change ? { sequence: data.SequenceNumber, change } : undefined;
}

/**
 * Each announcement with the files of its summary version, read in order: when a read fails, that
 * announcement and the ones after it are left for the stream to retry (`unreadFrom`).
 */
async function withVersionFiles(
  announced: readonly AnnouncementRecord[],
  reader: PublicationReader,
  logger: PublishDependencies['logger'],
): Promise<{ changes: StreamedAnnouncement[]; unreadFrom: string | undefined }> {
  const changes: StreamedAnnouncement[] = [];
  for (const { sequence, change } of announced) {
    try {
      const versionPage = await reader.versionFiles(change.summary, FIRST_FILES_PAGE, { consistent: true });
      changes.push({ sequence, change, versionPage });
    } catch (error) {
      logger.warn('files of a summary version not read, left for the stream to retry', {
        error: error instanceof Error ? error.name : 'unknown',
      });
      return { changes, unreadFrom: sequence };
    }
  }
  return { changes, unreadFrom: undefined };
}

/**
 * The DynamoDB Streams handler of the outbox: the summary item is the outbox, so a status change is
 * durable before it is published and nothing is written twice.
 * - A record no event can describe (an unreadable image, a detail too large, files contradicting
 *   `fileCount`) never will be: it is dead-lettered at once and its batch-mates are published once.
 * - What may succeed later (the bus refusing entries, a summary not read for a stale notice) is
 *   reported from the earliest such record (ReportBatchItemFailures), so the stream retries it and
 *   what follows, in order; records retried with it are published again with the same `detail.id`.
 */
export function createStreamPublishHandler(deps: PublishDependencies) {
  const { countOutcome, summaries, deadLetters, ...options } = deps;
  return async function publishStreamBatch(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    const announced: AnnouncementRecord[] = [];
    const letters: PublicationDeadLetter[] = [];
    const bySequence = new Map(event.Records.map((record) => [record.dynamodb?.SequenceNumber ?? '', record]));
    let unreadFrom: string | undefined;
    for (const record of event.Records) {
      if (isStaleNoticeRecord(record)) {
        try {
          const announcement = await staleAnnouncementFrom(record, { summaries, logger: options.logger });
          if (announcement) announced.push(announcement);
        } catch (error) {
          // The table, not the record: retried from here, in order.
          unreadFrom = record.dynamodb?.SequenceNumber;
          options.logger.warn('summary not read for a stale notice, left for the stream to retry', {
            error: error instanceof Error ? error.name : 'unknown',
          });
          break;
        }
      } else if (isSummaryChangeRecord(record)) {
        try {
          const announcement = streamedChangeOf(record);
          if (announcement) announced.push(announcement);
        } catch (error) {
          const reason = `image not read: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown'}`;
          letters.push({ reason, sequence: record.dynamodb?.SequenceNumber ?? '', record });
          options.logger.warn('summary version not read: dead-lettered', {
            sequence: record.dynamodb?.SequenceNumber,
            reason,
          });
          countOutcome(OUTCOME_METRICS.eventPublishFailed, { reason: 'DetailNotBuilt' });
        }
      }
    }
    const { changes, unreadFrom: filesUnreadFrom } = await withVersionFiles(announced, summaries, options.logger);
    const { retryFrom: unpublishedFrom, unbuildable } = await publishStatusChanges(changes, {
      ...options,
      onPublished: (published) =>
        countOutcome(OUTCOME_METRICS.eventPublished, {
          detailType: published.detailType,
          status: published.detail.status,
        }),
      onFailed: (failure) => countOutcome(OUTCOME_METRICS.eventPublishFailed, { reason: failure.reason }),
    });
    for (const change of unbuildable) {
      const record = bySequence.get(change.sequence);
      if (record) letters.push({ reason: change.reason, sequence: change.sequence, record });
    }
    let undeliveredFrom: string | undefined;
    if (letters.length > 0) {
      try {
        await deadLetters.send(letters);
      } catch (error) {
        // Not lost: the stream retries from the earliest of them.
        undeliveredFrom = letters.map((letter) => letter.sequence).sort(compareSequences)[0];
        options.logger.warn('dead letters not queued, left for the stream to retry', {
          error: error instanceof Error ? error.name : 'unknown',
        });
      }
    }
    // The earliest position to retry from: that record, and everything after it, is retried in order
    // (for a stream, Lambda resumes at the lowest reported sequence number).
    const retryFrom = [unpublishedFrom, unreadFrom, filesUnreadFrom, undeliveredFrom]
      .filter((sequence) => sequence !== undefined)
      .sort(compareSequences)[0];
    return { batchItemFailures: retryFrom === undefined ? [] : [{ itemIdentifier: retryFrom }] };
  };
}
