/**
 * Ingest as it was before issue 13, for the cold-start baseline row of `npm run bench` only: the
 * same handler with the AWS SDK v3 SQS client and Powertools Parameters (SSM client) bundled.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { parseAppsDocumentText } from '../../lib/config/apps';
import { requireEnv } from '../../lib/env';
import { QueueUnavailableError } from '../../lib/errors';
import { incomingCallbackOf } from '../../lib/http/callback-request';
import { handleCallback, type IngestDependencies } from '../../lib/ingest/handle-callback';
import { logger } from '../../lib/logger';
import { countOutcome } from '../../lib/metrics';
import { encodeQueuedCallback } from '../../lib/model/queued-callback';
import { createProviderRegistry } from '../../lib/providers/registry';

const client = new SQSClient({
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 500, requestTimeout: 1500 },
  useQueueUrlAsEndpoint: !process.env.AWS_ENDPOINT_URL_SQS,
});
const queueUrl = requireEnv('QUEUE_URL');
const parameterName = requireEnv('RECORDING_APPS_PARAMETER');

const dependencies: IngestDependencies = {
  providers: createProviderRegistry(process.env),
  loadApps: async () => {
    // Imported lazily, as the old loader did.
    const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
    const text = await getParameter(parameterName, { decrypt: true, maxAge: 300 });
    return parseAppsDocumentText(String(text), parameterName);
  },
  queue: {
    async send(callback) {
      try {
        await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: encodeQueuedCallback(callback) }));
      } catch (cause) {
        throw new QueueUnavailableError({ cause });
      }
    },
  },
  logger,
  countOutcome,
};

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const { answer } = await handleCallback(incomingCallbackOf(event), dependencies);
  return { statusCode: answer.statusCode, headers: { 'content-type': 'application/json' }, body: answer.body };
};
