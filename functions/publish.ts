import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createDocumentClient } from '../lib/adapters/dynamodb-table';
import { EventBridgePublisher } from '../lib/adapters/eventbridge-publisher';
import { createSqsClient } from '../lib/adapters/sqs-callback-queue';
import { SqsPublicationDeadLetters } from '../lib/adapters/sqs-publication-dead-letters';
import { DynamoDbSummaryReader } from '../lib/adapters/summary-reader';
import { DEFAULT_STALE_AFTER_HOURS } from '../lib/config/defaults';
import { getNumberFromEnv, requireEnv } from '../lib/env';
import { logger } from '../lib/logger';
import { countOutcome } from '../lib/metrics';
import { createStreamPublishHandler } from '../lib/publish/stream-handler';

const store = new DynamoDbSummaryReader({ client: createDocumentClient(), tableName: requireEnv('TABLE_NAME') });
const deadLetterQueueUrl = requireEnv('PUBLICATION_DLQ_URL');

/** DynamoDB stream of summary items and stale notices → `Recording Status Changed` and `Recording Stale` on the bus. */
export const handler = createStreamPublishHandler({
  publisher: new EventBridgePublisher({
    client: new EventBridgeClient({}),
    eventBusName: requireEnv('EVENT_BUS_NAME'),
  }),
  summaries: store,
  deadLetters: new SqsPublicationDeadLetters({
    client: createSqsClient(deadLetterQueueUrl),
    queueUrl: deadLetterQueueUrl,
  }),
  staleAfterHours: getNumberFromEnv({ key: 'STALE_AFTER_HOURS', defaultValue: DEFAULT_STALE_AFTER_HOURS }),
  logger,
  countOutcome,
});
