import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { createDocumentClient } from '../lib/adapters/dynamodb-table';
import { SqsSweepQueue } from '../lib/adapters/sqs-sweep-queue';
import { DynamoDbStaleRecordings } from '../lib/adapters/stale-recordings';
import { DEFAULT_STALE_AFTER_HOURS, HOUR_MS } from '../lib/config/defaults';
import { appsSourceFromEnv, createAppsLoader } from '../lib/config/load-apps';
import { getNumberFromEnv, requireEnv } from '../lib/env';
import { logger } from '../lib/logger';
import { countOutcome } from '../lib/metrics';
import { RECORDING_QUERIES } from '../lib/providers/registry';
import { type SweepReport, sweepStaleRecordings } from '../lib/sweep/sweep';

const loadApps = createAppsLoader(appsSourceFromEnv());
const store = new DynamoDbStaleRecordings({ client: createDocumentClient(), tableName: requireEnv('TABLE_NAME') });
// The endpoint the environment configures (AWS_ENDPOINT_URL_SQS, as ingest's client honours it), else
// the region's, which is the queue URL's host in AWS: by default the SDK sends to the URL's host instead.
const queue = new SqsSweepQueue({
  client: new SQSClient({ useQueueUrlAsEndpoint: false }),
  queueUrl: requireEnv('QUEUE_URL'),
});
const staleAfterMs = getNumberFromEnv({ key: 'STALE_AFTER_HOURS', defaultValue: DEFAULT_STALE_AFTER_HOURS }) * HOUR_MS;
/** Time kept back from the function's timeout for the page in flight and the report. */
const DEADLINE_MARGIN_MS = 30_000;

/**
 * The lost-callback sweep, on a schedule (`sweepRate`): notices stale recordings and asks the
 * vendors about them (README, "Lost callbacks"). A run that could not sweep an app fails, so the errors alarm
 * fires; the next run tries again.
 */
export const handler = async (_event: unknown, context: Context): Promise<SweepReport> => {
  const report = await sweepStaleRecordings({
    apps: await loadApps(),
    queries: RECORDING_QUERIES,
    source: store,
    queue,
    logger,
    countOutcome,
    staleAfterMs,
    env: process.env,
    deadline: Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
  });
  if (report.failures > 0) throw new Error(`${report.failures} apps not swept; see the log`);
  return report;
};
