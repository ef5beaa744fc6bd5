import { createDocumentClient } from '../lib/adapters/dynamodb-table';
import { createSqsClient } from '../lib/adapters/sqs-callback-queue';
import { SqsWebhookQueue } from '../lib/adapters/sqs-webhook-queue';
import { DynamoDbDeliveryLog } from '../lib/adapters/webhook-delivery-log';
import { createWebhooksLoader, webhooksSourceFromEnv } from '../lib/config/load-webhooks';
import { getNumberFromEnv, requireEnv } from '../lib/env';
import { logger } from '../lib/logger';
import { countOutcome } from '../lib/metrics';
import { createWebhookDeliverer } from '../lib/webhooks/deliver-webhooks';

const queueUrl = requireEnv('WEBHOOK_QUEUE_URL');

/** Fan-out queue (recording events from the bus) and delivery queue (one message per endpoint) → signed webhooks. */
export const handler = createWebhookDeliverer({
  loadEndpoints: createWebhooksLoader(webhooksSourceFromEnv()),
  log: new DynamoDbDeliveryLog({ client: createDocumentClient(), tableName: requireEnv('TABLE_NAME') }),
  queue: new SqsWebhookQueue({
    client: createSqsClient(queueUrl, { totalTimeoutMs: 5_000, attemptTimeoutMs: 2_000 }),
    queueUrl,
    deadLetterQueueUrl: requireEnv('WEBHOOK_DLQ_URL'),
  }),
  retryScale: getNumberFromEnv({ key: 'WEBHOOK_RETRY_SCALE', defaultValue: 1 }),
  logger,
  countOutcome: (outcome) => countOutcome('WebhookOutcome', { outcome }),
});
