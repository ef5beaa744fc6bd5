import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { OUTCOME_METRICS } from '../metrics';
import type { ProcessDependencies } from './process-callback';
import { processQueueMessage } from './process-queue-message';

/**
 * The SQS handler around `processQueueMessage`: Powertools' batch processor reports exactly the
 * records that failed, so SQS redelivers only those (ReportBatchItemFailures).
 */
export function createSqsProcessHandler(deps: ProcessDependencies) {
  const processor = new BatchProcessor(EventType.SQS);

  async function applyRecord(record: SQSRecord): Promise<void> {
    try {
      await processQueueMessage(record.body, deps);
    } catch (error) {
      deps.countOutcome(OUTCOME_METRICS.failed, { reason: error instanceof Error ? error.name : 'unknown' });
      deps.logger.error('message failed, left for redelivery', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      throw error;
    }
  }

  return function processSqsBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    return processPartialResponse(event, applyRecord, processor, { context });
  };
}
