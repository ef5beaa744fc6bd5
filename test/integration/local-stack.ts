import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetQueueAttributesCommand, PurgeQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { inject } from 'vitest';
import type { IncomingCallback } from '../../lib/http/callback-request';
import { isNewEventRecord } from '../../lib/project/stream-handler';
import { isAnnouncementRecord } from '../../lib/publish/stream-handler';
import { toApiGatewayEvent } from '../../local/api-gateway-event';
import { handlerEnvironment, localClientConfig } from '../../local/emulators';
import { type SqsHandler, SqsPoller } from '../../local/sqs-poller';
import { type StreamHandler, StreamPoller, type StreamPollerOptions } from '../../local/stream-poller';

/** What a test may change of a reader: its retry bound and backoff, its dead-letter queue. */
type ReaderOptions = Pick<
  StreamPollerOptions,
  'maxRetryAttempts' | 'retryDelayMs' | 'maxRetryDelayMs' | 'deadLetterQueue'
>;

/**
 * Points the real handlers (functions/*.ts) at the emulators that global setup started, through the
 * same environment variables Lambda would give them, and imports them.
 */
export async function useLocalStack() {
  const stack = inject('localStack');
  Object.assign(
    process.env,
    handlerEnvironment({ dynamodb: stack.dynamodbEndpoint, sqs: stack.sqsEndpoint }, stack, 'config/apps.local.json'),
  );
  const [ingest, processFunction, projectFunction, query] = await Promise.all([
    import('../../functions/ingest'),
    import('../../functions/process'),
    import('../../functions/project'),
    import('../../functions/query'),
  ]);
  const sqs = new SQSClient(localClientConfig(stack.sqsEndpoint));
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(stack.dynamodbEndpoint)));

  const post = async (callback: IncomingCallback) => {
    const result = (await ingest.handler(
      toApiGatewayEvent({
        method: 'POST',
        rawPath: `/callbacks/${callback.endpoint}`,
        rawQueryString: callback.rawQueryString,
        headers: callback.headers as Record<string, string>,
        body: callback.body,
        isBase64Encoded: callback.isBase64Encoded,
      }),
    )) as APIGatewayProxyStructuredResultV2;
    return { statusCode: result.statusCode, body: JSON.parse(result.body ?? 'null') };
  };

  const get = async (pathAndQuery: string) => {
    const [rawPath = '', rawQueryString = ''] = pathAndQuery.split('?');
    const result = (await query.handler(
      toApiGatewayEvent({ method: 'GET', rawPath, rawQueryString }),
    )) as APIGatewayProxyStructuredResultV2;
    return { statusCode: result.statusCode, body: JSON.parse(result.body ?? 'null') };
  };

  const poller = (handler: SqsHandler = processFunction.handler) =>
    new SqsPoller({ client: sqs, queueUrl: stack.queueUrl, handler, retryDelaySeconds: 0 });

  const streams = new DynamoDBStreamsClient(localClientConfig(stack.dynamodbEndpoint));
  /** A stream reader from now on: earlier test files' records were projected by their own. */
  const projection = async (
    handler: StreamHandler = projectFunction.handler as StreamHandler,
    options: ReaderOptions = {},
  ) => {
    const reader = new StreamPoller({
      client: streams,
      streamArn: stack.streamArn,
      handler,
      filter: isNewEventRecord,
      startingPosition: 'LATEST',
      // Tests inject projector crashes by the hundred: retry after 10 ms, not the stack's 0.5 s
      // (test/integration/stream-poller.test.ts checks the backoff itself).
      retryDelayMs: 10,
      ...options,
    });
    await reader.initialize();
    return reader;
  };
  /**
   * A reader of summary changes from now on, as the publish function's mapping. Unless told
   * otherwise it never gives up on a change (the bus-outage tests wait for it), retrying with a
   * short backoff.
   */
  const publication = async (handler: StreamHandler, options: ReaderOptions = {}) => {
    const reader = new StreamPoller({
      client: streams,
      streamArn: stack.streamArn,
      handler,
      filter: isAnnouncementRecord,
      startingPosition: 'LATEST',
      maxRetryAttempts: Number.POSITIVE_INFINITY,
      retryDelayMs: 20,
      maxRetryDelayMs: 500,
      functionName: 'publish',
      ...options,
    });
    await reader.initialize();
    return reader;
  };
  // One reader for the whole file, as one event source mapping: it remembers where it is.
  const projector = await projection();
  /** Feeds the summary projector until the table's stream has nothing new. */
  const project = (timeoutMs = 60_000) => projector.drain(timeoutMs);

  /** Feeds `process` until the main queue is empty, visible and in flight, then the projector. */
  const drain = async (handler?: SqsHandler, timeoutMs = 60_000) => {
    const consumer = poller(handler);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { received } = await consumer.pollOnce(0);
      if (received === 0 && (await queueDepth(stack.queueUrl)) === 0) break;
      if (Date.now() > deadline) throw new Error('queue did not drain in time');
    }
    await project(Math.max(1, deadline - Date.now()));
  };

  const queueDepth = async (queueUrl: string) => {
    const { Attributes: attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(attributes.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };

  const purge = async () => {
    await Promise.all(
      [stack.queueUrl, stack.deadLetterQueueUrl].map((QueueUrl) => sqs.send(new PurgeQueueCommand({ QueueUrl }))),
    );
  };

  return {
    stack,
    sqs,
    documentClient,
    post,
    get,
    drain,
    poller,
    project,
    projection,
    publication,
    queueDepth,
    purge,
  };
}

export const uniqueId = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
