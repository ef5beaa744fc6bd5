import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QueueUnavailableError } from '../errors';
import { encodeQueuedCallback, type QueuedCallback } from '../model/queued-callback';

export interface CallbackQueue {
  /** Resolves only once the message is durably queued; throws `QueueUnavailableError` otherwise. */
  send(callback: QueuedCallback): Promise<void>;
}

export interface SqsCallbackQueueOptions {
  client: SQSClient;
  queueUrl: string;
}

export class SqsCallbackQueue implements CallbackQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsCallbackQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(callback: QueuedCallback): Promise<void> {
    try {
      await this.#client.send(
        new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: encodeQueuedCallback(callback) }),
      );
    } catch (cause) {
      throw new QueueUnavailableError({ cause });
    }
  }
}
