import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { redrive } from '../../../tools/operations/redrive';

/** A stub of the SQS client: AWS's message-move API cannot run on the emulator, so its wiring is checked here. */
function stubClient(answers: Record<string, unknown[]>) {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      calls.push({ command: name, input: command.input });
      const queue = answers[name] ?? [];
      return queue.length > 1 ? queue.shift() : queue[0];
    },
  } as unknown as SQSClient;
  return { client, calls };
}

describe('redrive with SQS message-move tasks (AWS)', () => {
  it('starts a move task from the DLQ to the queue and reports the moved count when it completes', async () => {
    const { client, calls } = stubClient({
      GetQueueAttributesCommand: [
        { Attributes: { QueueArn: 'arn:dlq', ApproximateNumberOfMessages: '7' } },
        { Attributes: { QueueArn: 'arn:queue', ApproximateNumberOfMessages: '0' } },
      ],
      StartMessageMoveTaskCommand: [{ TaskHandle: 'task-1' }],
      ListMessageMoveTasksCommand: [
        { Results: [{ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 3 }] },
        { Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 7 }] },
      ],
    });
    const progress: number[] = [];
    const result = await redrive({
      client,
      queueUrl: 'q',
      deadLetterQueueUrl: 'dlq',
      mode: 'move-task',
      pollMs: 1,
      onProgress: (n) => progress.push(n),
    });
    expect(result).toMatchObject({ deadLettered: 7, moved: 7, taskStatus: 'COMPLETED', failed: 0 });
    expect(progress).toEqual([3, 7]);
    expect(calls.find((call) => call.command === 'StartMessageMoveTaskCommand')?.input).toEqual({
      SourceArn: 'arn:dlq',
      DestinationArn: 'arn:queue',
    });
  });

  it('moves nothing in a dry run', async () => {
    const { client, calls } = stubClient({
      GetQueueAttributesCommand: [{ Attributes: { QueueArn: 'arn:dlq', ApproximateNumberOfMessages: '2' } }],
    });
    expect(
      await redrive({ client, queueUrl: 'q', deadLetterQueueUrl: 'dlq', mode: 'move-task', dryRun: true }),
    ).toMatchObject({ deadLettered: 2, moved: 0 });
    expect(calls.map((call) => call.command)).toEqual(['GetQueueAttributesCommand']);
  });
});
