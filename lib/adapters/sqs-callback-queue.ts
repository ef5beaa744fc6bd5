import { createHash } from 'node:crypto';
import { QueueUnavailableError } from '../errors';
import type { CallbackQueue } from '../ingest/handle-callback';
import { encodeQueuedCallback, type QueuedCallback } from '../model/queued-callback';
import {
  type AwsJsonClient,
  type AwsJsonClientOptions,
  createAwsJsonClient,
  credentialsFromEnv,
  endpointFromEnv,
  regionFromEnv,
} from './aws-json-client';

export interface SqsCallbackQueueOptions {
  /** An SQS JSON client (`createSqsClient`). */
  client: AwsJsonClient;
  queueUrl: string;
}

export class SqsCallbackQueue implements CallbackQueue {
  readonly #client: AwsJsonClient;
  readonly #queueUrl: string;

  constructor(options: SqsCallbackQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(callback: QueuedCallback): Promise<void> {
    try {
      await sendMessage(this.#client, this.#queueUrl, encodeQueuedCallback(callback));
    } catch (cause) {
      throw new QueueUnavailableError({ cause });
    }
  }
}

/**
 * SQS SendMessage. Like the SDK, it checks SQS's MD5 of the body it stored against the body sent,
 * so a message altered on the way is never acknowledged.
 */
export async function sendMessage(client: AwsJsonClient, queueUrl: string, messageBody: string): Promise<string> {
  const output = await client.call<{ MessageId?: string; MD5OfMessageBody?: string }>('SendMessage', {
    QueueUrl: queueUrl,
    MessageBody: messageBody,
  });
  if (output.MD5OfMessageBody !== createHash('md5').update(messageBody, 'utf8').digest('hex')) {
    throw new Error('SendMessage: MD5OfMessageBody does not match the body sent');
  }
  return output.MessageId ?? '';
}

/**
 * The SQS client ingest uses, from the Lambda environment: its credentials and region, and the
 * endpoint override AWS_ENDPOINT_URL_SQS (or AWS_ENDPOINT_URL) that points the local stack and the
 * tests at the emulator. Without one, requests go to the queue URL's own host, as the SDK's
 * `useQueueUrlAsEndpoint` did. The vendors give up after 2 s (Chat): three attempts fit in 1 s, so
 * a 503 still reaches them in time.
 */
export function createSqsClient(
  queueUrl: string,
  overrides: Partial<Omit<AwsJsonClientOptions, 'service' | 'targetPrefix' | 'jsonVersion'>> = {},
): AwsJsonClient {
  return createAwsJsonClient({
    service: 'sqs',
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    region: overrides.region ?? regionFromEnv(),
    endpoint: overrides.endpoint ?? endpointFromEnv('sqs', new URL(queueUrl).origin),
    credentials: overrides.credentials ?? (() => credentialsFromEnv()),
    ...overrides,
  });
}
