import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../lib/adapters/dynamodb-table';
import { DEFAULT_STALE_AFTER_HOURS, DEFAULT_SWEEP_INTERVAL_SECONDS } from '../lib/config/defaults';
import { readAppsFile } from '../lib/config/load-apps';
import { readWebhooksFile } from '../lib/config/load-webhooks';
import { getNumberFromEnv } from '../lib/env';
import { logger } from '../lib/logger';
import { countOutcome } from '../lib/metrics';
import { isNewEventRecord } from '../lib/project/stream-handler';
import { isAnnouncementRecord } from '../lib/publish/stream-handler';
import type { SweepReport } from '../lib/sweep/sweep';
import {
  handlerEnvironment,
  type LocalResources,
  localClientConfig,
  provisionLocalResources,
  type RunningEmulator,
  startDynamoDbLocal,
  startSqsEmulator,
} from './emulators';
import { createLocalPublishHandler } from './http-event-publisher';
import { createLocalHttpServer, type HttpHandler, isStateRoute, isWebhooksRoute } from './http-server';
import { localLambdaContext } from './lambda-context';
import { createLocalConsole } from './local-console';
import { type SqsHandler, SqsPoller } from './sqs-poller';
import { DEFAULT_STREAM_RETRY_ATTEMPTS, type StreamHandler, StreamPoller } from './stream-poller';
import { SweepTimer } from './sweep-timer';

/** The sweep function's timeout in serverless.yml. */
const SWEEP_TIMEOUT_MS = 300_000;

export interface LocalStackOptions {
  port: number;
  host?: string;
  appsFile: string;
  /** Keep DynamoDB data in this folder between runs; in memory when unset. */
  persistDir?: string;
  /** Seconds before a failed message is retried (AWS uses the queue's 180 s visibility timeout). */
  retryDelaySeconds?: number;
  /** Where recording events are POSTed (RECORDING_EVENTS_URL); they are logged either way. */
  eventsUrl?: string;
  /** Seconds between sweeps (SWEEP_INTERVAL_SECONDS); 60 by default. */
  sweepIntervalSeconds?: number;
  /**
   * Retries, with backoff, of a stream record the projector or the publisher cannot handle, before it
   * goes to its dead-letter queue (STREAM_RETRY_ATTEMPTS); `DEFAULT_STREAM_RETRY_ATTEMPTS` by default.
   */
  streamRetryAttempts?: number;
  /** The webhooks document (RECORDING_WEBHOOKS_FILE); no endpoints when unset. Invalid: start-up stops. */
  webhooksFile?: string;
  /** WEBHOOK_RETRY_SCALE: multiplies every scheduled webhook retry delay (tests compress the schedule). */
  webhookRetryScale?: number;
  /** Progress lines while starting, and the banner. */
  print?: (line: string) => void;
}

export interface RunningLocalStack {
  readonly url: string;
  readonly dynamodb: RunningEmulator;
  readonly sqs: RunningEmulator;
  readonly resources: LocalResources;
  readonly appCount: number;
  readonly webhookEndpointCount: number;
  readonly streamRetryAttempts: number;
  /** Runs the lost-callback sweep now (or joins the run under way), as the timer does. */
  sweep(): Promise<SweepReport>;
  stop(): Promise<void>;
}

/**
 * The whole pipeline on this machine (README, "Local stack"): HTTP routes → the real ingest handler → fauxqs
 * (queue + DLQ) → a poller driving the real process handler → DynamoDB Local ← the real query handler;
 * the table's stream drives the projector and the recording-event publisher, as in AWS.
 * The apps document and the events URL are validated before anything starts, so bad ones fail fast.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<RunningLocalStack> {
  const print = options.print ?? (() => {});
  const appsFile = resolve(options.appsFile);
  const apps = await readAppsFile(appsFile);
  const webhooksFile = options.webhooksFile === undefined ? undefined : resolve(options.webhooksFile);
  const webhookEndpoints = webhooksFile === undefined ? [] : (await readWebhooksFile(webhooksFile)).list();
  if (options.eventsUrl !== undefined && !URL.canParse(options.eventsUrl)) {
    throw new Error('RECORDING_EVENTS_URL is not a URL');
  }

  const handlers: { ingest?: HttpHandler; query?: HttpHandler; webhooks?: HttpHandler } = {};
  const parts = {
    http: false,
    dynamodb: false,
    sqs: false,
    queues: false,
    poller: false,
    projector: false,
    publisher: false,
    sweep: false,
    webhooks: false,
  };
  const consoleState: { sqs?: SQSClient; resources?: LocalResources } = {};
  const server = createLocalHttpServer({
    ingest: () => handlers.ingest,
    query: () => handlers.query,
    // The operator console at /console/, answering /console/api/… with the same handlers and queues.
    console: createLocalConsole({
      route: (method, path) =>
        method === 'GET' && isStateRoute(path)
          ? handlers.query
          : isWebhooksRoute(method, path)
            ? handlers.webhooks
            : undefined,
      sqs: () => consoleState.sqs,
      resources: () => consoleState.resources,
    }),
    webhooks: () => handlers.webhooks,
    health: () => ({ ready: Object.values(parts).every(Boolean), parts }),
    onRequest: ({ method, path, status, ms }) => {
      // Callback requests are logged by ingest itself, with app and outcome; health probes are noise.
      if (!path.startsWith('/callbacks/') && path !== '/health') {
        logger.info('request', { route: `${method} ${path}`, status, ms });
      }
    },
  });
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port, host);
  parts.http = true;

  const started: RunningEmulator[] = [];
  let poller: SqsPoller | undefined;
  let webhookPollers: SqsPoller[] = [];
  let projector: StreamPoller | undefined;
  let publisher: StreamPoller | undefined;
  let sweeper: SweepTimer<SweepReport> | undefined;
  let sqsClient: SQSClient | undefined;
  let streamsClient: DynamoDBStreamsClient | undefined;
  const stop = async () => {
    await Promise.all([
      poller?.stop(),
      projector?.stop(),
      publisher?.stop(),
      sweeper?.stop(),
      ...webhookPollers.map((webhookPoller) => webhookPoller.stop()),
    ]);
    sqsClient?.destroy();
    streamsClient?.destroy();
    await new Promise<void>((done) => server.close(() => done()));
    await Promise.all(started.map((emulator) => emulator.stop()));
  };

  try {
    print('starting DynamoDB Local and the SQS emulator…');
    const [dynamodb, sqs] = await Promise.all([
      startDynamoDbLocal({ persistDir: options.persistDir }).then((emulator) => {
        started.push(emulator);
        parts.dynamodb = true;
        return emulator;
      }),
      startSqsEmulator().then((emulator) => {
        started.push(emulator);
        parts.sqs = true;
        return emulator;
      }),
    ]);
    const resources = await provisionLocalResources({ dynamodb: dynamodb.endpoint, sqs: sqs.endpoint });
    parts.queues = true;

    // The handlers read their configuration from the environment, exactly as in Lambda.
    Object.assign(process.env, {
      ...handlerEnvironment({ dynamodb: dynamodb.endpoint, sqs: sqs.endpoint }, resources, appsFile),
      RECORDING_WEBHOOKS_FILE: webhooksFile ?? '',
      WEBHOOK_RETRY_SCALE: String(options.webhookRetryScale ?? 1),
    });
    const [ingest, processFunction, projectFunction, query, sweepFunction, deliverFunction, webhooksFunction] =
      await Promise.all([
        import('../functions/ingest'),
        import('../functions/process'),
        import('../functions/project'),
        import('../functions/query'),
        import('../functions/sweep'),
        import('../functions/deliver'),
        import('../functions/webhooks'),
      ]);
    handlers.ingest = ingest.handler;
    handlers.query = query.handler;
    handlers.webhooks = webhooksFunction.handler;
    sqsClient = new SQSClient(localClientConfig(sqs.endpoint));
    consoleState.sqs = sqsClient;
    consoleState.resources = resources;
    poller = new SqsPoller({
      client: sqsClient,
      queueUrl: resources.queueUrl,
      handler: processFunction.handler as SqsHandler,
      retryDelaySeconds: options.retryDelaySeconds ?? 2,
    });
    poller.start((error) => logger.error('poller cannot reach the queue', { error: String(error) }));
    parts.poller = true;
    // The deliver function's two event source mappings: the fan-out queue (the bus rule's target in
    // AWS) and the delivery queue, whose failed messages keep the visibility the deliverer set.
    webhookPollers = [
      new SqsPoller({
        client: sqsClient,
        queueUrl: resources.webhookFanoutQueueUrl,
        handler: deliverFunction.handler as SqsHandler,
        retryDelaySeconds: options.retryDelaySeconds ?? 2,
        functionName: 'deliver',
      }),
      new SqsPoller({
        client: sqsClient,
        queueUrl: resources.webhookDeliveryQueueUrl,
        handler: deliverFunction.handler as SqsHandler,
        retryDelaySeconds: null,
        functionName: 'deliver',
      }),
    ];
    for (const webhookPoller of webhookPollers) {
      webhookPoller.start((error) => logger.error('webhook poller cannot reach its queue', { error: String(error) }));
    }
    parts.webhooks = true;
    streamsClient = new DynamoDBStreamsClient(localClientConfig(dynamodb.endpoint));
    // Both stream readers isolate a record they cannot handle as the event source mappings do:
    // bounded retries with backoff, then that record alone to its dead-letter queue, and on.
    const streamRetryAttempts = options.streamRetryAttempts ?? DEFAULT_STREAM_RETRY_ATTEMPTS;
    const discarded = (what: string, queueUrl: string) => (records: { dynamodb?: { SequenceNumber?: string } }[]) =>
      logger.error(`stream record given up on, dead-lettered; ${what}`, {
        sequence: records[0]?.dynamodb?.SequenceNumber,
        deadLetterQueue: queueUrl,
      });
    projector = new StreamPoller({
      client: streamsClient,
      streamArn: resources.streamArn,
      handler: projectFunction.handler as StreamHandler,
      filter: isNewEventRecord,
      maxRetryAttempts: streamRetryAttempts,
      deadLetterQueue: { client: sqsClient, queueUrl: resources.projectionDeadLetterQueueUrl },
      onDiscard: discarded('run npm run rebuild-views', resources.projectionDeadLetterQueueUrl),
    });
    projector.start((error) => logger.error('projector cannot read the stream', { error: String(error) }));
    parts.projector = true;
    // A second reader of the same stream, as the publish function's own event source mapping. A change
    // the receiver at RECORDING_EVENTS_URL keeps refusing is dead-lettered after the same retries.
    publisher = new StreamPoller({
      client: streamsClient,
      streamArn: resources.streamArn,
      handler: createLocalPublishHandler({
        client: createDocumentClient(),
        tableName: resources.tableName,
        eventsUrl: options.eventsUrl,
        staleAfterHours: getNumberFromEnv({ key: 'STALE_AFTER_HOURS', defaultValue: DEFAULT_STALE_AFTER_HOURS }),
        publicationDeadLetterQueueUrl: resources.publicationDeadLetterQueueUrl,
        webhookFanoutQueueUrl: resources.webhookFanoutQueueUrl,
        countOutcome,
      }),
      filter: isAnnouncementRecord,
      // Until the bus (here, RECORDING_EVENTS_URL) answers, with backoff: a change is never given up for
      // an outage. A record no event can describe is dead-lettered by the handler itself.
      maxRetryAttempts: Number.POSITIVE_INFINITY,
      deadLetterQueue: { client: sqsClient, queueUrl: resources.publicationDeadLetterQueueUrl },
      onDiscard: discarded('its change is not published', resources.publicationDeadLetterQueueUrl),
      functionName: 'publish',
    });
    publisher.start((error) => logger.error('publisher cannot read the stream', { error: String(error) }));
    parts.publisher = true;
    // The schedule of the sweep function; its timeout is the deployed one.
    const timer = new SweepTimer({
      intervalSeconds: options.sweepIntervalSeconds ?? DEFAULT_SWEEP_INTERVAL_SECONDS,
      run: () => sweepFunction.handler(undefined, localLambdaContext('sweep', SWEEP_TIMEOUT_MS)),
      onError: (error) => logger.error('sweep failed', { error: String(error) }),
    });
    sweeper = timer;
    timer.start();
    parts.sweep = true;

    return {
      url: `http://${host}:${options.port}`,
      dynamodb,
      sqs,
      resources,
      appCount: apps.list().length,
      webhookEndpointCount: webhookEndpoints.length,
      streamRetryAttempts,
      sweep: () => timer.runNow(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is in use; set PORT to another port`) : error),
    );
    server.listen(port, host, () => resolvePromise());
  });
}
