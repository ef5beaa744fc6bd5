import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { localLambdaContext } from './lambda-context';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn?: string;
  handler: SqsHandler;
  /** Messages per batch; Lambda's SQS event source allows up to 10 here. */
  batchSize?: number;
  /** Long-poll wait (seconds). */
  waitTimeSeconds?: number;
  /**
   * How soon a failed message becomes visible again. On AWS that is the queue's visibility timeout
   * (180 s); locally we shorten it so retries and the DLQ are seen in seconds, not minutes. `null`:
   * the handler set each failed message's visibility itself (the webhook deliverer's schedule).
   */
  retryDelaySeconds?: number | null;
  /** The function name the handler's context carries. */
  functionName?: string;
}

export interface PollResult {
  received: number;
  succeeded: number;
  failed: number;
}

/**
 * The local stand-in for Lambda's SQS event source mapping: it receives real messages, invokes the
 * handler with an SQS event, deletes the records that succeeded, and leaves the ones reported in
 * `batchItemFailures` (or the whole batch, if the handler throws) for redelivery and the DLQ.
 */
export class SqsPoller {
  readonly #options: Required<Omit<SqsPollerOptions, 'queueArn'>> & { queueArn: string };
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(options: SqsPollerOptions) {
    this.#options = {
      batchSize: 10,
      waitTimeSeconds: 1,
      retryDelaySeconds: 1,
      functionName: 'process',
      queueArn: `arn:aws:sqs:us-east-1:000000000000:${options.queueUrl.split('/').pop()}`,
      ...options,
    };
  }

  async pollOnce(waitTimeSeconds = this.#options.waitTimeSeconds): Promise<PollResult> {
    const { client, queueUrl, handler, batchSize, retryDelaySeconds, functionName } = this.#options;
    const { Messages: messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (messages.length === 0) return { received: 0, succeeded: 0, failed: 0 };

    let failedIds: Set<string>;
    try {
      const response = await handler(this.#toEvent(messages), localLambdaContext(functionName, 30_000));
      failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch {
      failedIds = new Set(messages.map((message) => message.MessageId ?? ''));
    }
    const succeeded = messages.filter((message) => !failedIds.has(message.MessageId ?? ''));
    const failed = messages.filter((message) => failedIds.has(message.MessageId ?? ''));
    if (succeeded.length > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: succeeded.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
    if (failed.length > 0 && retryDelaySeconds !== null) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: failed.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: retryDelaySeconds,
          })),
        }),
      );
    }
    return { received: messages.length, succeeded: succeeded.length, failed: failed.length };
  }

  /** Polls until `stop()`; errors reaching the queue are reported and retried after a pause. */
  start(onError: (error: unknown) => void = () => {}): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          await this.pollOnce();
        } catch (error) {
          onError(error);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  #toEvent(messages: Message[]): SQSEvent {
    const { queueArn } = this.#options;
    return {
      Records: messages.map(
        (message): SQSRecord => ({
          messageId: message.MessageId ?? '',
          receiptHandle: message.ReceiptHandle ?? '',
          body: message.Body ?? '',
          attributes: {
            ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
            SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
            SenderId: message.Attributes?.SenderId ?? 'local',
            ApproximateFirstReceiveTimestamp:
              message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: message.MD5OfBody ?? '',
          eventSource: 'aws:sqs',
          eventSourceARN: queueArn,
          awsRegion: 'us-east-1',
        }),
      ),
    };
  }
}
