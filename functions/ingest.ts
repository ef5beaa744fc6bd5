import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createSqsClient, SqsCallbackQueue } from '../lib/adapters/sqs-callback-queue';
import { appsSourceFromEnv, createAppsLoader } from '../lib/config/load-apps';
import { requireEnv } from '../lib/env';
import { incomingCallbackOf } from '../lib/http/callback-request';
import { handleCallback, type IngestDependencies } from '../lib/ingest/handle-callback';
import { logger } from '../lib/logger';
import { countOutcome } from '../lib/metrics';
import { createProviderRegistry } from '../lib/providers/registry';

const queueUrl = requireEnv('QUEUE_URL');
const dependencies: IngestDependencies = {
  providers: createProviderRegistry(process.env),
  loadApps: createAppsLoader(appsSourceFromEnv()),
  queue: new SqsCallbackQueue({ client: createSqsClient(queueUrl), queueUrl }),
  logger,
  countOutcome,
};

/** `POST /callbacks/{endpoint}`: verify, queue, answer in the vendor's shape. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const { answer } = await handleCallback(incomingCallbackOf(event), dependencies);
  return { statusCode: answer.statusCode, headers: { 'content-type': 'application/json' }, body: answer.body };
};
