/**
 * `npm start [-- --persist]`: the whole pipeline on this machine. See README, "Local stack".
 *   PORT                  HTTP port (default 3000)
 *   RECORDING_APPS_FILE   apps document (default config/apps.local.json)
 *   RECORDING_EVENTS_URL  where recording events are POSTed (they are logged either way)
 *   SWEEP_INTERVAL_SECONDS  seconds between lost-callback sweeps (default 60)
 *   STALE_AFTER_HOURS     quiet time after which an unfinished recording is stale (default 6)
 *   STREAM_RETRY_ATTEMPTS retries of a stream record the projector or publisher cannot handle, with backoff,
 *                         before it goes to its local dead-letter queue (default 10)
 */
import { parseArgs } from 'node:util';
import { DEFAULT_APPS_FILE } from '../lib/config/load-apps';
import { optionalNumberEnv } from '../lib/env';
import { ENDPOINTS } from '../lib/platforms';
import { describeEventsUrl } from './http-event-publisher';
import { startLocalStack } from './local-stack';

const USAGE =
  'usage: npm start [-- --persist] (environment: PORT, RECORDING_APPS_FILE, RECORDING_EVENTS_URL, SWEEP_INTERVAL_SECONDS, STALE_AFTER_HOURS, STREAM_RETRY_ATTEMPTS)';

async function main(): Promise<void> {
  // No CloudWatch here: EMF metric lines would only clutter the terminal. POWERTOOLS_METRICS_DISABLED=false shows them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  let persist = false;
  try {
    persist = parseArgs({ options: { persist: { type: 'boolean', default: false } } }).values.persist ?? false;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number, got "${process.env.PORT}"`);
    process.exit(2);
  }
  const appsFile = process.env.RECORDING_APPS_FILE || DEFAULT_APPS_FILE;
  const eventsUrl = process.env.RECORDING_EVENTS_URL || undefined;
  let sweepIntervalSeconds: number | undefined;
  let staleAfterHours: number | undefined;
  let streamRetryAttempts: number | undefined;
  try {
    const attempts = process.env.STREAM_RETRY_ATTEMPTS;
    if (attempts !== undefined && attempts !== '') {
      streamRetryAttempts = Number(attempts);
      if (!Number.isInteger(streamRetryAttempts) || streamRetryAttempts < 0)
        throw new Error('Environment variable STREAM_RETRY_ATTEMPTS must be a whole number ≥ 0');
    }
    sweepIntervalSeconds = optionalNumberEnv('SWEEP_INTERVAL_SECONDS');
    staleAfterHours = optionalNumberEnv('STALE_AFTER_HOURS');
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const startedAt = Date.now();
  const stack = await startLocalStack({
    sweepIntervalSeconds,
    streamRetryAttempts,
    port,
    appsFile,
    persistDir: persist ? '.local/dynamodb' : undefined,
    eventsUrl,
    print: (line) => console.log(line),
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the pollers, the HTTP server and the emulators…`);
    await stack.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const { resources, dynamodb, sqs, url } = stack;
  console.log(
    [
      '',
      `rtc-recording-callbacks local stack ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
      `  callbacks    POST ${url}/callbacks/{${ENDPOINTS.join('|')}}`,
      `  state        GET  ${url}/recordings/{platform}/{appId}/{taskId}`,
      `               GET  ${url}/rooms/{platform}/{appId}/{roomId}`,
      `  health       GET  ${url}/health`,
      `  events       Recording Status Changed, Recording Stale: ${describeEventsUrl(eventsUrl)}`,
      `  sweep        every ${sweepIntervalSeconds ?? 60} s: recordings quiet for ${staleAfterHours ?? 6} h (STALE_AFTER_HOURS) are stale`,
      `  apps file    ${process.env.RECORDING_APPS_FILE} (${stack.appCount} apps)`,
      `  DynamoDB     ${dynamodb.endpoint} (DynamoDB Local, ${persist ? 'persisted in .local/dynamodb' : 'in memory'}, pid ${dynamodb.pid}) table ${resources.tableName}`,
      `  SQS          ${sqs.endpoint} (fauxqs, in memory) maxReceiveCount ${resources.maxReceiveCount}`,
      `               queue ${resources.queueUrl}`,
      `               DLQ   ${resources.deadLetterQueueUrl}`,
      `  stream DLQs  projection  ${resources.projectionDeadLetterQueueUrl}`,
      `               publication ${resources.publicationDeadLetterQueueUrl}`,
      `               a record still failing after ${stack.streamRetryAttempts} retries (STREAM_RETRY_ATTEMPTS) goes there`,
      '',
      `  replay       npm run replay -- events/ --url ${url}`,
      `  redrive      AWS_ENDPOINT_URL_SQS=${sqs.endpoint} npm run redrive -- --queue-url ${resources.queueUrl} --dlq-url ${resources.deadLetterQueueUrl}`,
      `  invoke       INVOKE_LOCAL_QUEUE_URL=${resources.queueUrl} npx serverless invoke local -f ingest -p events/ingest-seed-001-gme-segment-started.json \\`,
      `                 -e RECORDING_APPS_FILE=${process.env.RECORDING_APPS_FILE} -e AWS_ENDPOINT_URL_SQS=${sqs.endpoint} \\`,
      '                 -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=local -e AWS_SECRET_ACCESS_KEY=local',
      '',
      'Ctrl+C stops everything.',
    ].join('\n'),
  );
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`);
  process.exit(1);
});
