import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type ConsoleBackend, createConsoleHandler, type ForwardedRequest } from '../console/server/console-handler';
import { type DeadLetterQueueConfig, SqsDeadLetters } from '../console/server/dead-letters';
import { buildConsolePage, type ConsolePage } from '../console/server/page-bundle';
import { logger } from '../lib/logger';
import { toApiGatewayEvent } from './api-gateway-event';
import type { LocalResources } from './emulators';
import type { HttpHandler } from './http-server';

export interface LocalConsoleOptions {
  /** The handler of a route (the query handler for the GET routes, the webhooks handler for its two), once started. */
  route: (method: string, path: string) => HttpHandler | undefined;
  sqs: () => SQSClient | undefined;
  resources: () => LocalResources | undefined;
}

/** The local dead-letter queues, as the deployed stack's outputs name them (README, "Console"). */
export function localDeadLetterQueues(resources: LocalResources): DeadLetterQueueConfig[] {
  return [
    {
      name: 'callbacks',
      label: 'Callback DLQ',
      url: resources.deadLetterQueueUrl,
      redriveTo: { url: resources.queueUrl, label: 'the callback queue' },
    },
    {
      name: 'projection',
      label: 'Projection DLQ',
      url: resources.projectionDeadLetterQueueUrl,
      hint: 'Stream records the projector gave up on: fix the cause, then run npm run rebuild-views (a redrive cannot replay a stream record).',
    },
    {
      name: 'webhooks',
      label: 'Webhook DLQ',
      url: resources.webhookDeadLetterQueueUrl,
      // Back to the delivery queue: each message is one endpoint's, and gets the whole schedule again.
      redriveTo: { url: resources.webhookDeliveryQueueUrl, label: 'the webhook delivery queue' },
    },
    {
      name: 'publication',
      label: 'Publication DLQ',
      url: resources.publicationDeadLetterQueueUrl,
      hint: 'Status changes that were not announced: fix the cause, then re-invoke publish with the named stream records (within 24 h), or have consumers resync (README, "Stream dead letters").',
    },
  ];
}

/**
 * `/console/…` on the local stack: the page, built once at start, with `/console/api/…` answered by the
 * real query handler (as API Gateway would call it) and the emulator's queues.
 */
export function createLocalConsole(options: LocalConsoleOptions) {
  let page: Promise<ConsolePage> | undefined;
  let handle: ReturnType<typeof createConsoleHandler> | undefined;
  const backend: ConsoleBackend = {
    async forward(request: ForwardedRequest) {
      const handler = options.route(request.method, request.path);
      if (handler === undefined) return { status: 404, body: JSON.stringify({ message: 'Not Found' }) };
      const result = (await handler(
        toApiGatewayEvent({ method: request.method, rawPath: request.path, rawQueryString: request.rawQuery }),
      )) as APIGatewayProxyStructuredResultV2;
      return { status: result.statusCode ?? 200, body: result.body ?? '' };
    },
    deadLetters: {
      list: () => deadLetters().list(),
      redrive: (name) => deadLetters().redrive(name),
    },
  };
  const deadLetters = () => {
    const [client, resources] = [options.sqs(), options.resources()];
    if (!client || !resources) throw new Error('the local stack is still starting');
    return new SqsDeadLetters({ client, queues: localDeadLetterQueues(resources), redriveMode: 'loop' });
  };
  return async function handleLocalConsole(request: IncomingMessage, response: ServerResponse, url: URL) {
    page ??= buildConsolePage();
    handle ??= createConsoleHandler({
      backend,
      page: await page,
      onError: (what, error) => logger.error('console request failed', { route: what, error: String(error) }),
    });
    return handle(request, response, url);
  };
}
