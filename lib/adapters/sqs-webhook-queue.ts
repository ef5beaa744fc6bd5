import { toQueueSafeJson } from '../json';
import type { DeliveryQueue } from '../webhooks/deliver-webhooks';
import type { DeliveryMessage } from '../webhooks/webhook-message';
import type { AwsJsonClient } from './aws-json-client';
import { sendMessage } from './sqs-callback-queue';

export interface SqsWebhookQueueOptions {
  /** An SQS JSON client (`createSqsClient`). */
  client: AwsJsonClient;
  /** The delivery queue: one message per endpoint and event. */
  queueUrl: string;
  /** Where a message goes after its last attempt. */
  deadLetterQueueUrl: string;
}

/**
 * The webhook delivery queue. A message's next attempt is its visibility timeout (up to 12 h), so
 * a retry waits in SQS, costs nothing while it waits, and no endpoint's wait holds another's message.
 */
export class SqsWebhookQueue implements DeliveryQueue {
  readonly #client: AwsJsonClient;
  readonly #queueUrl: string;
  readonly #deadLetterQueueUrl: string;

  constructor(options: SqsWebhookQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#deadLetterQueueUrl = options.deadLetterQueueUrl;
  }

  async enqueue(messages: readonly DeliveryMessage[]): Promise<void> {
    await Promise.all(messages.map((message) => sendMessage(this.#client, this.#queueUrl, toQueueSafeJson(message))));
  }

  async retryLater(receiptHandle: string, delaySeconds: number): Promise<void> {
    await this.#client.call('ChangeMessageVisibility', {
      QueueUrl: this.#queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: delaySeconds,
    });
  }

  async deadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    await sendMessage(this.#client, this.#deadLetterQueueUrl, toQueueSafeJson({ ...message, reason }));
  }
}
