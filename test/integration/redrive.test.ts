import { spawnSync } from 'node:child_process';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEV_APPS, trtcBody } from '../../fixtures/samples';
import { redrive } from '../../tools/operations/redrive';
import { uniqueId, useLocalStack } from './local-stack';

let stack: Awaited<ReturnType<typeof useLocalStack>>;
beforeAll(async () => {
  stack = await useLocalStack();
});

describe('redrive on the emulator (receive/send loop)', () => {
  it('reports in a dry run, moves at most --max, then the rest through the CLI, and the events apply', async () => {
    await stack.purge();
    const taskId = uniqueId('redriven');
    const bodies = [301, 303, 302].map((type) =>
      JSON.stringify({
        version: 1,
        endpoint: 'tencent-trtc',
        appId: DEV_APPS.trtc,
        receivedAt: 0,
        query: {},
        headers: {},
        body: trtcBody(type, { taskId }),
      }),
    );
    await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: stack.stack.deadLetterQueueUrl,
        Entries: bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody })),
      }),
    );
    const options = {
      client: stack.sqs,
      queueUrl: stack.stack.queueUrl,
      deadLetterQueueUrl: stack.stack.deadLetterQueueUrl,
      mode: 'loop' as const,
    };

    expect(await redrive({ ...options, dryRun: true })).toMatchObject({ deadLettered: 3, moved: 0, dryRun: true });
    expect(await stack.queueDepth(stack.stack.deadLetterQueueUrl)).toBe(3);

    expect(await redrive({ ...options, max: 2 })).toMatchObject({ deadLettered: 3, moved: 2, failed: 0 });
    expect(await stack.queueDepth(stack.stack.deadLetterQueueUrl)).toBe(1);
    expect(await stack.queueDepth(stack.stack.queueUrl)).toBe(2);

    const cli = spawnSync(
      'npm',
      [
        'run',
        '--silent',
        'redrive',
        '--',
        '--queue-url',
        stack.stack.queueUrl,
        '--dlq-url',
        stack.stack.deadLetterQueueUrl,
      ],
      { encoding: 'utf8', env: { ...process.env, AWS_ENDPOINT_URL_SQS: stack.stack.sqsEndpoint } },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('1 message(s) dead-lettered; moved 1 to the callback queue (loop); 0 failed');
    expect(await stack.queueDepth(stack.stack.deadLetterQueueUrl)).toBe(0);

    await stack.drain();
    expect((await stack.get(`/recordings/trtc/${DEV_APPS.trtc}/${taskId}`)).body).toMatchObject({
      status: 'stopped',
      eventCount: 3,
    });
  });

  it('refuses to run without queue URLs', () => {
    const cli = spawnSync('npm', ['run', '--silent', 'redrive', '--', '--dry-run'], {
      encoding: 'utf8',
      env: { ...process.env, QUEUE_URL: '', DLQ_URL: '' },
    });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('give --queue-url and --dlq-url');
  });
});
