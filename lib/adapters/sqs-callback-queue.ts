import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
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

/**
 * The SQS client ingest uses. The endpoint comes from the SDK's own AWS_ENDPOINT_URL_SQS variable,
 * which is how the local stack and the tests point the same handler at the emulator.
 */
export function createSqsClient(): SQSClient {
  return new SQSClient({
    // The vendors give up after 2 s (Chat) or 5 s (TRTC): fail fast enough to answer 503 in time.
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 500, requestTimeout: 1500 },
    // With an endpoint override (an emulator), send to that endpoint even when the queue URL names
    // another host; on AWS the queue URL's own host is right.
    useQueueUrlAsEndpoint: !process.env.AWS_ENDPOINT_URL_SQS,
  });
}
