import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { SUMMARY_SORT_KEY, type SummaryItem, toSummary } from '../adapters/table-layout';
import { type CountOutcome, OUTCOME_METRICS } from '../metrics';
import { type SummaryVersion, statusChangeOf } from '../model/recording-event';
import { type PublishStatusChangesOptions, publishStatusChanges, type StreamedChange } from './publish-status-changes';

export interface PublishDependencies extends Omit<PublishStatusChangesOptions, 'onPublished' | 'onFailed'> {
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

const toVersion = (image: Record<string, AttributeValue>): SummaryVersion => {
  const item = unmarshall(image) as SummaryItem;
  return { ...toSummary(item), lastSequence: item.lastSequence };
};

/** The status change a summary record announces, if any (the pure decision on its two images). */
export function streamedChangeOf(record: DynamoDBRecord): StreamedChange | undefined {
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
  const { countOutcome, ...options } = deps;
  return async function publishStreamBatch(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    const changes = event.Records.filter(isSummaryChangeRecord).flatMap((record) => streamedChangeOf(record) ?? []);
    if (changes.length === 0) return { batchItemFailures: [] };
    const { retryFrom } = await publishStatusChanges(changes, {
      ...options,
      onPublished: (published) =>
        countOutcome(OUTCOME_METRICS.eventPublished, {
          detailType: published.detailType,
          status: published.detail.status,
        }),
      onFailed: (failure) => countOutcome(OUTCOME_METRICS.eventPublishFailed, { reason: failure.reason }),
    });
    return { batchItemFailures: retryFrom === undefined ? [] : [{ itemIdentifier: retryFrom }] };
  };
}
