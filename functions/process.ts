import { createDocumentClient } from '../lib/adapters/dynamodb-table';
import { DynamoDbEventWriter } from '../lib/adapters/event-writer';
import { DEFAULT_RETENTION_DAYS } from '../lib/config/defaults';
import { getNumberFromEnv, requireEnv } from '../lib/env';
import { logger } from '../lib/logger';
import { countOutcome } from '../lib/metrics';
import { createSqsProcessHandler } from '../lib/process/sqs-handler';
import { createProviderRegistry } from '../lib/providers/registry';

/** SQS → DynamoDB, reporting exactly the failed records back to the event source mapping. */
export const handler = createSqsProcessHandler({
  providers: createProviderRegistry(),
  store: new DynamoDbEventWriter({
    client: createDocumentClient(),
    tableName: requireEnv('TABLE_NAME'),
    retentionDays: getNumberFromEnv({ key: 'RECORDING_RETENTION_DAYS', defaultValue: DEFAULT_RETENTION_DAYS }),
  }),
  logger,
  countOutcome,
});
