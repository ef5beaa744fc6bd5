import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';

export interface RedriveOptions {
  client: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /**
   * `move-task`: SQS's own message-move API (StartMessageMoveTask), on AWS.
   * `loop`: receive from the DLQ, send to the queue, delete from the DLQ; for emulators without the
   * move API, and whenever a count limit is wanted (a move task cannot stop after N messages).
   */
  mode: 'move-task' | 'loop';
  dryRun?: boolean;
  max?: number;
  onProgress?: (moved: number) => void;
  /** Polling interval and limit while a move task runs. */
  pollMs?: number;
  timeoutMs?: number;
}

export interface RedriveResult {
  mode: 'move-task' | 'loop';
  /** Approximate DLQ depth before anything moved. */
  deadLettered: number;
  moved: number;
  failed: number;
  dryRun: boolean;
  taskStatus?: string;
}

async function queueAttributes(client: SQSClient, queueUrl: string) {
  const { Attributes: attributes = {} } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }),
  );
  return { arn: attributes.QueueArn ?? '', depth: Number(attributes.ApproximateNumberOfMessages ?? 0) };
}

/** Moves dead-lettered callbacks back to the callback queue, where process applies them again (idempotently). */
export async function redrive(options: RedriveOptions): Promise<RedriveResult> {
  const { client, mode } = options;
  const dlq = await queueAttributes(client, options.deadLetterQueueUrl);
  const result: RedriveResult = { mode, deadLettered: dlq.depth, moved: 0, failed: 0, dryRun: options.dryRun ?? false };
  if (result.dryRun || dlq.depth === 0) return result;

  if (mode === 'move-task') {
    const queue = await queueAttributes(client, options.queueUrl);
    await client.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: queue.arn }));
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const { Results: [task] = [] } = await client.send(
        new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 1 }),
      );
      result.moved = Number(task?.ApproximateNumberOfMessagesMoved ?? 0);
      result.taskStatus = task?.Status;
      options.onProgress?.(result.moved);
      if (task?.Status !== 'RUNNING' || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
    }
  }

  const max = options.max ?? Number.POSITIVE_INFINITY;
  while (result.moved < max) {
    const { Messages: messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: options.deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, max - result.moved),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    if (messages.length === 0) break;
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          MessageBody: message.Body ?? '',
          MessageAttributes: message.MessageAttributes,
        })),
      }),
    );
    // Delete from the DLQ only what the queue accepted: a failed send stays dead-lettered.
    const accepted = new Set((sent.Successful ?? []).map((entry) => Number(entry.Id)));
    result.failed += messages.length - accepted.size;
    if (accepted.size > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.deadLetterQueueUrl,
          Entries: messages
            .filter((_, index) => accepted.has(index))
            .map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
    result.moved += accepted.size;
    options.onProgress?.(result.moved);
    if (accepted.size === 0) break;
  }
  return result;
}
