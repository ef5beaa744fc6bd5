import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsJsonClient } from '../lib/adapters/aws-json-client';
import { createSqsClient, sendMessage } from '../lib/adapters/sqs-callback-queue';
import { SqsPublicationDeadLetters } from '../lib/adapters/sqs-publication-dead-letters';
import { DynamoDbSummaryReader } from '../lib/adapters/summary-reader';
import { toQueueSafeJson } from '../lib/json';
import { logger } from '../lib/logger';
import type { CountOutcome } from '../lib/metrics';
import type { OutboundEvent, PublishFailure, RecordingEventPublisher } from '../lib/publish/publish-status-changes';
import { createStreamPublishHandler } from '../lib/publish/stream-handler';
import { LOCAL_AWS_ENV } from './emulators';
import type { StreamHandler } from './stream-poller';

/** The account the local stack pretends to be, as the emulators do. */
const LOCAL_ACCOUNT = '000000000000';

/** The JSON EventBridge delivers to a target (an API destination, an SQS queue, a Lambda). */
export interface EventBridgeEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: OutboundEvent['detail'];
}

export function toEnvelope(event: OutboundEvent): EventBridgeEnvelope {
  return {
    version: '0',
    // EventBridge mints a new envelope id per PutEvents entry; consumers dedupe on `detail.id`.
    id: randomUUID(),
    'detail-type': event.detailType,
    source: event.source,
    account: LOCAL_ACCOUNT,
    time: event.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_AWS_ENV.AWS_REGION,
    resources: [],
    detail: event.detail,
  };
}

export interface HttpEventPublisherOptions {
  /** Where each event is POSTed; with none, events are only logged. */
  url?: string;
  timeoutMs?: number;
  /**
   * The webhook fan-out queue, which the bus's rule feeds in AWS: each event's envelope is sent there
   * too, so the signed webhooks run the deployed path (README, "Signed webhooks").
   */
  webhookFanout?: { client: AwsJsonClient; queueUrl: string };
}

/**
 * The local stand-in for the bus and its API destination rule: POSTs each event, as the envelope
 * EventBridge delivers, to `RECORDING_EVENTS_URL`. A non-2xx answer or no answer is a failure,
 * retried by the publisher and then by the stream poller, which dead-letters it after its retries.
 */
export class HttpEventPublisher implements RecordingEventPublisher {
  readonly #url: string | undefined;
  readonly #timeoutMs: number;
  readonly #webhookFanout: HttpEventPublisherOptions['webhookFanout'];

  constructor(options: HttpEventPublisherOptions) {
    this.#url = options.url;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#webhookFanout = options.webhookFanout;
  }

  async publish(events: readonly OutboundEvent[]): Promise<PublishFailure[]> {
    const url = this.#url;
    const fanout = this.#webhookFanout;
    const failures = await Promise.all(
      events.map(async (event): Promise<PublishFailure | undefined> => {
        const envelope = toEnvelope(event);
        if (fanout !== undefined) {
          try {
            await sendMessage(fanout.client, fanout.queueUrl, toQueueSafeJson(envelope));
          } catch (error) {
            return {
              id: event.id,
              reason: `webhook fan-out queue: ${error instanceof Error ? error.name : 'unknown'}`,
            };
          }
        }
        if (url === undefined) return undefined;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(envelope),
            signal: AbortSignal.timeout(this.#timeoutMs),
          });
          await response.body?.cancel();
          return response.ok ? undefined : { id: event.id, reason: `HTTP ${response.status}` };
        } catch (error) {
          return { id: event.id, reason: error instanceof Error ? error.name : 'unknown' };
        }
      }),
    );
    return failures.filter((failure) => failure !== undefined);
  }
}

/** `RECORDING_EVENTS_URL` without credentials or query, which may hold a token: for the banner. */
export function describeEventsUrl(url: string | undefined): string {
  if (url === undefined) return 'logged only (set RECORDING_EVENTS_URL to have them POSTed)';
  const { origin, pathname } = new URL(url);
  return `logged and POSTed to ${origin}${pathname} as EventBridge target envelopes, retried until 2xx (STREAM_RETRY_ATTEMPTS times, then dead-lettered)`;
}

export interface LocalPublishOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  eventsUrl?: string;
  staleAfterHours?: number;
  /** Records no event can describe go here (the local publication DLQ). */
  publicationDeadLetterQueueUrl: string;
  /** The local webhook fan-out queue (the bus rule's target in AWS). */
  webhookFanoutQueueUrl?: string;
  countOutcome: CountOutcome;
}

/** The publish function as the local stack runs it: the same handler as AWS, with the HTTP publisher. */
export function createLocalPublishHandler(options: LocalPublishOptions): StreamHandler {
  const store = new DynamoDbSummaryReader({ client: options.client, tableName: options.tableName });
  return createStreamPublishHandler({
    publisher: new HttpEventPublisher({
      url: options.eventsUrl,
      webhookFanout:
        options.webhookFanoutQueueUrl === undefined
          ? undefined
          : { client: createSqsClient(options.webhookFanoutQueueUrl), queueUrl: options.webhookFanoutQueueUrl },
    }),
    summaries: store,
    deadLetters: new SqsPublicationDeadLetters({
      client: createSqsClient(options.publicationDeadLetterQueueUrl),
      queueUrl: options.publicationDeadLetterQueueUrl,
    }),
    staleAfterHours: options.staleAfterHours,
    logger,
    countOutcome: options.countOutcome,
  });
}
