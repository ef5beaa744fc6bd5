/**
 * `npm start [-- --persist]`: the whole pipeline on this machine. See README, "Local stack".
 *   LOCAL_DATA_DIR        where --persist keeps DynamoDB Local's data (default .local/dynamodb)
 *   PORT                  HTTP port (default 3000)
 *   RECORDING_APPS_FILE   apps document (default config/apps.local.json)
 *   RECORDING_EVENTS_URL  where recording events are POSTed (they are logged either way)
 *   SWEEP_INTERVAL_SECONDS  seconds between lost-callback sweeps (default 60)
 *   STALE_AFTER_HOURS     quiet time after which an unfinished recording is stale (default 6)
 *   RECORDING_WEBHOOKS_FILE  signed webhook endpoints (default: none)
 *   WEBHOOK_RETRY_SCALE   multiplies every scheduled webhook retry delay (default 1)
 *   STREAM_RETRY_ATTEMPTS retries of a stream record the projector or publisher cannot handle, with backoff,
 *                         before it goes to its local dead-letter queue (default 10)
 */
import './local-defaults';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_STALE_AFTER_HOURS, DEFAULT_SWEEP_INTERVAL_SECONDS } from '../lib/config/defaults';
import { DEFAULT_APPS_FILE } from '../lib/config/load-apps';
import { getNumberFromEnv } from '../lib/env';
import { ENDPOINTS } from '../lib/platforms';
import { describeEventsUrl } from './http-event-publisher';
import { startLocalStack } from './local-stack';
import { DEFAULT_STREAM_RETRY_ATTEMPTS } from './stream-poller';

const USAGE =
  'usage: npm start [-- --persist] (environment: PORT, LOCAL_DATA_DIR, RECORDING_APPS_FILE, RECORDING_EVENTS_URL, RECORDING_WEBHOOKS_FILE, WEBHOOK_RETRY_SCALE, SWEEP_INTERVAL_SECONDS, STALE_AFTER_HOURS, STREAM_RETRY_ATTEMPTS)';

async function main(): Promise<void> {
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
  let sweepIntervalSeconds: number;
  let staleAfterHours: number;
  let streamRetryAttempts: number;
  let webhookRetryScale: number;
  try {
    webhookRetryScale = getNumberFromEnv({ key: 'WEBHOOK_RETRY_SCALE', defaultValue: 1 });
    // The stream pollers' MaximumRetryAttempts: 0 allowed (a record is dead-lettered after its first failure).
    streamRetryAttempts = getNumberFromEnv({
      key: 'STREAM_RETRY_ATTEMPTS',
      defaultValue: DEFAULT_STREAM_RETRY_ATTEMPTS,
      allowZero: true,
    });
    if (!Number.isInteger(streamRetryAttempts))
      throw new Error('Environment variable STREAM_RETRY_ATTEMPTS must be a whole number ≥ 0');
    sweepIntervalSeconds = getNumberFromEnv({
      key: 'SWEEP_INTERVAL_SECONDS',
      defaultValue: DEFAULT_SWEEP_INTERVAL_SECONDS,
    });
    staleAfterHours = getNumberFromEnv({ key: 'STALE_AFTER_HOURS', defaultValue: DEFAULT_STALE_AFTER_HOURS });
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const dataDir = resolve(process.env.LOCAL_DATA_DIR || '.local/dynamodb');
  const startedAt = Date.now();
  const stack = await startLocalStack({
    sweepIntervalSeconds,
    streamRetryAttempts,
    port,
    appsFile,
    persistDir: persist ? dataDir : undefined,
    eventsUrl,
    webhooksFile: process.env.RECORDING_WEBHOOKS_FILE || undefined,
    webhookRetryScale,
    print: (line) => console.log(line),
  }).catch((error: Error) => {
    // An invalid webhooks or apps document names its bad entry, never a secret.
    console.error(`npm start failed: ${error.message}`);
    process.exit(1);
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
      `  webhooks     ${stack.webhookEndpointCount} endpoint(s) from ${process.env.RECORDING_WEBHOOKS_FILE || 'nowhere (set RECORDING_WEBHOOKS_FILE)'}, retry scale ${webhookRetryScale}; log: GET ${url}/webhooks/deliveries`,
      `               queues fan-out ${resources.webhookFanoutQueueUrl}`,
      `                      delivery ${resources.webhookDeliveryQueueUrl}`,
      `                      DLQ ${resources.webhookDeadLetterQueueUrl}`,
      `  sweep        every ${sweepIntervalSeconds} s: recordings quiet for ${staleAfterHours} h (STALE_AFTER_HOURS) are stale`,
      `  apps file    ${process.env.RECORDING_APPS_FILE} (${stack.appCount} apps)`,
      `  DynamoDB     ${dynamodb.endpoint} (DynamoDB Local, ${persist ? `persisted in ${dataDir}` : 'in memory'}, pid ${dynamodb.pid}) table ${resources.tableName}`,
      `  SQS          ${sqs.endpoint} (fauxqs, in memory) maxReceiveCount ${resources.maxReceiveCount}`,
      `               queue ${resources.queueUrl}`,
      `               DLQ   ${resources.deadLetterQueueUrl}`,
      `  stream DLQs  projection  ${resources.projectionDeadLetterQueueUrl}`,
      `               publication ${resources.publicationDeadLetterQueueUrl}`,
      `               a record still failing after ${stack.streamRetryAttempts} retries (STREAM_RETRY_ATTEMPTS) goes there`,
      '',
      `  replay       npm run replay -- events/ --url ${url}`,
      `  rebuild      AWS_ENDPOINT_URL_DYNAMODB=${dynamodb.endpoint} npm run rebuild-views -- --table ${resources.tableName}`,
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
