import type { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { compareSequences, EVENT_PREFIX, type EventItem } from '../adapters/table-layout';
import { type CountOutcome, OUTCOME_METRICS } from '../metrics';

/** One new event item from the table's stream, with its stream sequence number. */
export interface StreamedEvent {
  readonly sequence: string;
  readonly item: EventItem;
}

export interface ProjectionFailure {
  readonly partitionKey: string;
  /** The first sequence of that recording in the batch: the stream must be retried from here. */
  readonly firstSequence: string;
  readonly error: unknown;
}

export interface ProjectionResult {
  /** Events folded into a summary by this call. */
  readonly folded: number;
  /** Redelivered events already in their summary. */
  readonly skipped: number;
  readonly failures: ProjectionFailure[];
}

/** What the projector does with a batch (the DynamoDB `SummaryProjector` in AWS and locally). */
export interface SummaryFolder {
  /** Folds new events into their summaries; a recording that fails does not stop the others. */
  project(events: readonly StreamedEvent[]): Promise<ProjectionResult>;
}

export interface ProjectDependencies {
  projector: SummaryFolder;
  logger: Logger;
  countOutcome: CountOutcome;
}

/**
 * The stream records the projector folds: a new event item. The event source mapping filters to
 * these already (serverless.yml); checking again keeps the local poller and AWS identical.
 */
export function isNewEventRecord(record: DynamoDBRecord): boolean {
  return record.eventName === 'INSERT' && (record.dynamodb?.Keys?.sk?.S ?? '').startsWith(EVENT_PREFIX);
}

/**
 * The DynamoDB Streams handler around `SummaryProjector`. A recording that fails reports the first
 * of its records, so the stream retries from there (ReportBatchItemFailures); records of other
 * recordings that are retried with it were already folded and are skipped by sequence.
 */
export function createStreamProjectHandler(deps: ProjectDependencies) {
  return async function projectStreamBatch(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    // In stream order; an image that cannot be read stops the batch there: the records before it
    // are folded, and the stream retries from it, then gives up on it alone (its dead letter).
    const events: StreamedEvent[] = [];
    let unreadFrom: string | undefined;
    for (const record of event.Records.filter(isNewEventRecord)) {
      try {
        events.push({
          sequence: record.dynamodb?.SequenceNumber ?? '',
          item: unmarshall(record.dynamodb?.NewImage as Record<string, AttributeValue>) as EventItem,
        });
      } catch (error) {
        unreadFrom = record.dynamodb?.SequenceNumber ?? '';
        deps.countOutcome(OUTCOME_METRICS.projectionFailed, { reason: 'UnreadableRecord' });
        deps.logger.error('event item not read from the stream, left for the stream to isolate', {
          sequence: unreadFrom,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        break;
      }
    }
    const unread = unreadFrom === undefined ? [] : [unreadFrom];
    if (events.length === 0) return { batchItemFailures: unread.map((itemIdentifier) => ({ itemIdentifier })) };
    const { folded, skipped, failures } = await deps.projector.project(events);
    deps.logger.debug('stream batch projected', { records: event.Records.length, folded, skipped });
    for (const failure of failures) {
      deps.countOutcome(OUTCOME_METRICS.projectionFailed, {
        reason: failure.error instanceof Error ? failure.error.name : 'unknown',
      });
      deps.logger.error('summary not updated, left for redelivery', {
        partitionKey: failure.partitionKey,
        error:
          failure.error instanceof Error ? `${failure.error.name}: ${failure.error.message}` : String(failure.error),
      });
    }
    // Only the earliest: for a stream, Lambda resumes at the lowest reported record, with everything after it.
    const [earliest] = [...failures.map((failure) => failure.firstSequence), ...unread].sort(compareSequences);
    return { batchItemFailures: earliest === undefined ? [] : [{ itemIdentifier: earliest }] };
  };
}
