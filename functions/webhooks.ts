import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isServiceUnavailable } from '../lib/adapters/aws-errors';
import { createDocumentClient } from '../lib/adapters/dynamodb-table';
import { createSqsClient } from '../lib/adapters/sqs-callback-queue';
import { SqsWebhookQueue } from '../lib/adapters/sqs-webhook-queue';
import { DynamoDbDeliveryLog } from '../lib/adapters/webhook-delivery-log';
import { createWebhooksLoader, webhooksSourceFromEnv } from '../lib/config/load-webhooks';
import { requireEnv } from '../lib/env';
import { jsonAnswer } from '../lib/http/answer';
import { logger } from '../lib/logger';
import { handleDeliveriesRequest } from '../lib/webhooks/handle-deliveries-request';

const queueUrl = requireEnv('WEBHOOK_QUEUE_URL');
const options = {
  log: new DynamoDbDeliveryLog({ client: createDocumentClient(), tableName: requireEnv('TABLE_NAME') }),
  queue: new SqsWebhookQueue({
    client: createSqsClient(queueUrl, { totalTimeoutMs: 3_000, attemptTimeoutMs: 1_000 }),
    queueUrl,
    deadLetterQueueUrl: requireEnv('WEBHOOK_DLQ_URL'),
  }),
  loadEndpoints: createWebhooksLoader(webhooksSourceFromEnv()),
};

/** `GET /webhooks/deliveries` and `POST /webhooks/deliveries/{endpointId}/{webhookId}/resend`. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  let answer: { statusCode: number; body: string };
  try {
    answer = await handleDeliveriesRequest(
      { method: event.requestContext.http.method, rawPath: event.rawPath, rawQueryString: event.rawQueryString ?? '' },
      options,
    );
  } catch (error) {
    // AWS being unreachable, or the webhooks document unreadable: the operator should try again.
    const unavailable =
      isServiceUnavailable(error) ||
      (error instanceof Error && ['AwsRequestError', 'WebhooksConfigError'].includes(error.name));
    logger.error(unavailable ? 'webhooks route failed: AWS unavailable' : 'webhooks route failed', {
      path: event.rawPath,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      ...(!unavailable && error instanceof Error && { stack: error.stack }),
    });
    answer = unavailable
      ? jsonAnswer(503, { message: 'try again later' })
      : jsonAnswer(500, { message: 'Internal Server Error' });
  }
  return { statusCode: answer.statusCode, headers: { 'content-type': 'application/json' }, body: answer.body };
};
