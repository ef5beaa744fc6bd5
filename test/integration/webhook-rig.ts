import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { countDynamoDbRequests } from '../../fixtures/count-dynamodb-requests';
import { WEBHOOK_TEST_SECRETS } from '../../fixtures/test-secrets';
import { createSqsClient } from '../../lib/adapters/sqs-callback-queue';
import { SqsWebhookQueue } from '../../lib/adapters/sqs-webhook-queue';
import { DynamoDbDeliveryLog } from '../../lib/adapters/webhook-delivery-log';
import { parseWebhooksDocument, type WebhookEndpoints } from '../../lib/config/webhooks';
import { logger } from '../../lib/logger';
import { createWebhookDeliverer } from '../../lib/webhooks/deliver-webhooks';
import { handleDeliveriesRequest } from '../../lib/webhooks/handle-deliveries-request';
import { handlerEnvironment, localClientConfig } from '../../local/emulators';
import { type SqsHandler, SqsPoller } from '../../local/sqs-poller';

/** An endpoint as the webhooks document gives it; the rig signs with the test secrets unless told. */
export interface RigEndpoint {
  id: string;
  url: string;
  secrets?: string[];
  types?: string[];
  platforms?: string[];
  appIds?: string[];
}

/** What a recording event carries that a webhook needs, the rest being filled in. */
export interface RigEvent {
  id?: string;
  detailType?: 'Recording Status Changed' | 'Recording Stale';
  platform?: string;
  appId?: string;
  taskId?: string;
  status?: string;
  eventCount?: number;
}

export const newWebhookId = () => randomBytes(16).toString('hex');

/**
 * The `deliver` function's parts wired to the emulators that global setup started, as
 * functions/deliver.ts wires them in Lambda: the real delivery log on DynamoDB Local, the real
 * SQS delivery queue and DLQ on fauxqs, the real deliverer, and the local stand-ins for its two
 * event source mappings (the delivery queue's poller leaves a failed message's visibility to the
 * deliverer, as Lambda does). Only the webhooks document is given in memory, so a test can change it.
 */
export function useWebhookRig() {
  const stack = inject('localStack');
  Object.assign(
    process.env,
    handlerEnvironment({ dynamodb: stack.dynamodbEndpoint, sqs: stack.sqsEndpoint }, stack, 'config/apps.local.json'),
  );
  const sqs = new SQSClient(localClientConfig(stack.sqsEndpoint));
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(stack.dynamodbEndpoint)));
  const requests = countDynamoDbRequests(documentClient);
  const log = new DynamoDbDeliveryLog({ client: documentClient, tableName: stack.tableName });
  const queue = new SqsWebhookQueue({
    client: createSqsClient(stack.webhookDeliveryQueueUrl),
    queueUrl: stack.webhookDeliveryQueueUrl,
    deadLetterQueueUrl: stack.webhookDeadLetterQueueUrl,
  });
  let endpoints: WebhookEndpoints = parseWebhooksDocument({ endpoints: [] }, 'test');
  const loadEndpoints = async () => endpoints;
  const configure = (list: readonly RigEndpoint[]) => {
    endpoints = parseWebhooksDocument(
      {
        endpoints: list.map((endpoint) => ({
          secrets: [WEBHOOK_TEST_SECRETS.current, WEBHOOK_TEST_SECRETS.previous],
          ...endpoint,
        })),
      },
      'test',
    );
  };

  const running: SqsPoller[] = [];
  /**
   * Starts the deliverer on both queues, with the schedule scaled; `deliveryPollers` batches of the
   * delivery queue at once (Lambda's SQS mapping starts with five).
   */
  const start = (options: { retryScale: number; random?: () => number; deliveryPollers?: number }) => {
    const handler = createWebhookDeliverer({
      loadEndpoints,
      log,
      queue,
      logger,
      retryScale: options.retryScale,
      random: options.random,
    }) as unknown as SqsHandler;
    const pollers = [
      new SqsPoller({
        client: sqs,
        queueUrl: stack.webhookFanoutQueueUrl,
        handler,
        retryDelaySeconds: 0,
        functionName: 'deliver',
      }),
      ...Array.from(
        { length: options.deliveryPollers ?? 1 },
        () =>
          new SqsPoller({
            client: sqs,
            queueUrl: stack.webhookDeliveryQueueUrl,
            handler,
            retryDelaySeconds: null,
            functionName: 'deliver',
          }),
      ),
    ];
    for (const poller of pollers) {
      poller.start((error) => logger.error('test webhook poller failed', { error: String(error) }));
      running.push(poller);
    }
  };
  const stop = async () => {
    await Promise.all(running.splice(0).map((poller) => poller.stop()));
  };

  /** Puts a recording event's envelope in the fan-out queue, as the bus rule does; answers its webhook-id. */
  const publish = async (event: RigEvent = {}, at = Date.now()) => {
    const id = event.id ?? newWebhookId();
    const detail = {
      platform: event.platform ?? 'trtc',
      appId: event.appId ?? '1400000001',
      taskId: event.taskId ?? `task-${id.slice(0, 8)}`,
      roomId: null,
      status: event.status ?? 'recording',
      previousStatus: null,
      eventCount: event.eventCount ?? 1,
      id,
    };
    const envelope = {
      version: '0',
      id: newWebhookId(),
      'detail-type': event.detailType ?? 'Recording Status Changed',
      source: 'rtc-recording-callbacks',
      account: '000000000000',
      time: new Date(at).toISOString(),
      region: 'us-east-1',
      resources: [],
      detail,
    };
    await sqs.send(
      new SendMessageCommand({ QueueUrl: stack.webhookFanoutQueueUrl, MessageBody: JSON.stringify(envelope) }),
    );
    return id;
  };

  const depth = async (queueUrl: string) => {
    const { Attributes: attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
      hidden: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  };

  /** Takes every message out of the webhook DLQ. */
  const drainDeadLetters = async () => {
    const messages: Record<string, unknown>[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.webhookDeadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
        }),
      );
      if (Messages.length === 0) return messages;
      for (const message of Messages) {
        messages.push(JSON.parse(message.Body ?? 'null'));
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: stack.webhookDeadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      }
    }
  };

  const purge = async () => {
    await Promise.all(
      [stack.webhookFanoutQueueUrl, stack.webhookDeliveryQueueUrl, stack.webhookDeadLetterQueueUrl].map((QueueUrl) =>
        sqs.send(new PurgeQueueCommand({ QueueUrl })),
      ),
    );
  };

  /** The two routes, as functions/webhooks.ts serves them, on the same log, queue and endpoints. */
  const route = async (method: 'GET' | 'POST', pathAndQuery: string) => {
    const [rawPath = '', rawQueryString = ''] = pathAndQuery.split('?');
    const answer = await handleDeliveriesRequest({ method, rawPath, rawQueryString }, { log, queue, loadEndpoints });
    return { statusCode: answer.statusCode, text: answer.body, body: JSON.parse(answer.body) };
  };

  return {
    stack,
    sqs,
    documentClient,
    requests,
    log,
    queue,
    configure,
    start,
    stop,
    publish,
    depth,
    drainDeadLetters,
    purge,
    route,
  };
}

/** Polls `condition` every 50 ms until it holds, or fails after `timeoutMs` saying what was awaited. */
export async function eventually<T>(
  what: string,
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
