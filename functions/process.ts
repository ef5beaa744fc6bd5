import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { RecordingStore } from '../lib/adapters/recording-store';
import { createDocumentClient, optionalNumberEnv, requireEnv } from '../lib/aws-clients';
import { logger } from '../lib/logger';
import { type ProcessDependencies, processQueuedCallback } from '../lib/process/process-callback';
import { createProviderRegistry } from '../lib/providers/registry';

const dependencies: ProcessDependencies = {
  providers: createProviderRegistry(),
  store: new RecordingStore({
    client: createDocumentClient(),
    tableName: requireEnv('TABLE_NAME'),
    retentionDays: optionalNumberEnv('RECORDING_RETENTION_DAYS'),
  }),
  logger,
};
const processor = new BatchProcessor(EventType.SQS);

async function applyRecord(record: SQSRecord): Promise<void> {
  try {
    await processQueuedCallback(record.body, dependencies);
  } catch (error) {
    logger.error('message failed, left for redelivery', {
      messageId: record.messageId,
      receiveCount: record.attributes.ApproximateReceiveCount,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    throw error;
  }
}

/** SQS → DynamoDB, reporting exactly the failed records back to the event source mapping. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, applyRecord, processor, { context });
