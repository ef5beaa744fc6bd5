/**
 * npm run redrive -- [--dry-run] [--max N] [--queue-url URL] [--dlq-url URL] [--loop]
 * Moves dead-lettered callbacks back to the callback queue. See README, "Operations".
 */
import { parseArgs } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { redrive } from '../tools/operations/redrive';

const USAGE = `usage: npm run redrive -- [--dry-run] [--max N] [--queue-url URL] [--dlq-url URL] [--loop]
  --queue-url, --dlq-url   the callback queue and its DLQ (default $QUEUE_URL, $DLQ_URL; on AWS see the stack outputs)
  --dry-run                only report how many messages are dead-lettered
  --max N                  move at most N messages (uses the receive/send loop)
  --loop                   use the receive/send loop instead of SQS's message-move task
With AWS_ENDPOINT_URL_SQS set (the local stack), the loop is always used: emulators lack the move API.`;

function fail(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse());
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const queueUrl = values['queue-url'] ?? process.env.QUEUE_URL;
  const deadLetterQueueUrl = values['dlq-url'] ?? process.env.DLQ_URL;
  if (!queueUrl || !deadLetterQueueUrl) fail('give --queue-url and --dlq-url (or set QUEUE_URL and DLQ_URL)');
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) fail('--max must be a positive integer');
  const emulator = Boolean(process.env.AWS_ENDPOINT_URL_SQS);
  const mode = emulator || values.loop || max !== undefined ? 'loop' : 'move-task';
  const client = new SQSClient({
    ...(emulator ? { region: process.env.AWS_REGION ?? 'us-east-1', useQueueUrlAsEndpoint: false } : {}),
    ...(emulator && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  const result = await redrive({
    client,
    queueUrl,
    deadLetterQueueUrl,
    mode,
    dryRun: values['dry-run'],
    max,
    onProgress: (moved) => console.log(`  moved ${moved}…`),
  });
  const verb = result.dryRun ? 'would move' : 'moved';
  const count = result.dryRun ? Math.min(result.deadLettered, max ?? result.deadLettered) : result.moved;
  console.log(
    `${result.deadLettered} message(s) dead-lettered; ${verb} ${count} to the callback queue (${mode}${result.taskStatus ? `, task ${result.taskStatus}` : ''}); ${result.failed} failed`,
  );
  process.exit(result.failed > 0 ? 1 : 0);
}

function parse() {
  return parseArgs({
    options: {
      'queue-url': { type: 'string' },
      'dlq-url': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      max: { type: 'string' },
      loop: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

main().catch((error: Error) => {
  console.error(`redrive failed: ${error.message}`);
  process.exit(1);
});
