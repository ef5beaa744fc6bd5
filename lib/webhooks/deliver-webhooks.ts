import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { WebhookEndpoints } from '../config/webhooks';
import { PoisonMessageError } from '../errors';
import { type AttemptRecord, type PostedAttempt, type PostWebhookInput, postWebhook } from './post-webhook';
import { nextStep } from './retry-schedule';
import { signWebhook } from './sign-webhook';
import {
  type DeliveryMessage,
  isDeliveryMessage,
  isRecordingEventEnvelope,
  matchesFilters,
  type WebhookMessage,
  webhookMessageOf,
} from './webhook-message';

export const DELIVERY_STATUSES = ['succeeded', 'pending', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The delivery log, as the deliverer writes it (one item per endpoint and message). */
export interface DeliveryLogWriter {
  /**
   * Records a message queued for an endpoint, unless it already is. Answers whether any attempt is
   * recorded already (a redelivered fan-out then queues nothing new).
   */
  recordQueued(input: { endpointId: string; message: WebhookMessage; at: number }): Promise<{ attempted: boolean }>;
  recordAttempt(input: {
    endpointId: string;
    webhookId: string;
    attempt: AttemptRecord;
    status: DeliveryStatus;
    nextAttemptAt: number | null;
    at: number;
  }): Promise<void>;
}

/** The delivery queue and its dead-letter queue. */
export interface DeliveryQueue {
  enqueue(messages: readonly DeliveryMessage[]): Promise<void>;
  /** Hides a received message until its next attempt (SQS ChangeMessageVisibility). */
  retryLater(receiptHandle: string, delaySeconds: number): Promise<void>;
  deadLetter(message: DeliveryMessage, reason: string): Promise<void>;
}

export interface WebhookLogger {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

export interface WebhookDelivererOptions {
  loadEndpoints: () => Promise<WebhookEndpoints>;
  log: DeliveryLogWriter;
  queue: DeliveryQueue;
  logger: WebhookLogger;
  /** WEBHOOK_RETRY_SCALE. */
  retryScale?: number;
  post?: (input: PostWebhookInput) => Promise<PostedAttempt>;
  now?: () => number;
  random?: () => number;
  /** Counts each outcome (a CloudWatch metric in AWS). */
  countOutcome?: (outcome: string) => void;
}

/**
 * The `deliver` function's handler, for both of its queues, told apart by their messages:
 * - an EventBridge envelope from the fan-out queue becomes one delivery message per matching
 *   endpoint, each logged as pending, before anything is attempted (so endpoints never wait on each other);
 * - a delivery message is one attempt at one endpoint. A failure hides the message until its next
 *   attempt (ChangeMessageVisibility) and reports it as a batch item failure, so the queue keeps it;
 *   after the last attempt it goes to the dead-letter queue.
 * The records of a batch run concurrently, so a slow receiver holds no other's attempt.
 */
export function createWebhookDeliverer(options: WebhookDelivererOptions) {
  const now = options.now ?? Date.now;
  const post = options.post ?? postWebhook;
  const count = options.countOutcome ?? (() => {});
  const { logger, log, queue } = options;

  async function fanOut(message: WebhookMessage): Promise<void> {
    const endpoints = (await options.loadEndpoints()).list().filter((endpoint) => matchesFilters(message, endpoint));
    const at = now();
    const fresh: DeliveryMessage[] = [];
    for (const endpoint of endpoints) {
      // Logged before it is queued: a message is never queued without its log item, and a fan-out
      // redelivered after its attempts began queues nothing again.
      const { attempted } = await log.recordQueued({ endpointId: endpoint.id, message, at });
      if (!attempted) fresh.push({ endpointId: endpoint.id, webhookId: message.webhookId, body: message.body });
    }
    await queue.enqueue(fresh);
    count(`fanout_${fresh.length > 0 ? 'queued' : 'no_endpoint'}`);
  }

  async function attempt(message: DeliveryMessage, record: SQSRecord): Promise<'done' | 'retry'> {
    const attemptNumber = Number(record.attributes.ApproximateReceiveCount) || 1;
    const endpoint = (await options.loadEndpoints()).find(message.endpointId);
    const fields = { endpointId: message.endpointId, webhookId: message.webhookId, attempt: attemptNumber };
    if (endpoint === undefined) {
      // The operator removed the endpoint: there is nowhere to deliver, and nothing to retry.
      await log.recordAttempt({
        endpointId: message.endpointId,
        webhookId: message.webhookId,
        attempt: { at: new Date(now()).toISOString(), statusCode: null, error: 'endpoint not configured', ms: 0 },
        status: 'failed',
        nextAttemptAt: null,
        at: now(),
      });
      logger.warn('webhook not delivered: endpoint no longer configured', fields);
      count('webhook_unconfigured');
      return 'done';
    }
    const headers = signWebhook({
      webhookId: message.webhookId,
      body: message.body,
      secrets: endpoint.secrets,
      at: new Date(now()),
    });
    const result = await post({ url: endpoint.url, body: message.body, headers, now });
    const step = nextStep({ attempt: attemptNumber, result, scale: options.retryScale, random: options.random });
    const { retryAfterSeconds: _retryAfter, ...attemptRecord } = result;
    const status: DeliveryStatus =
      step.kind === 'succeeded' ? 'succeeded' : step.kind === 'retry' ? 'pending' : 'failed';
    const nextAttemptAt = step.kind === 'retry' ? now() + step.delaySeconds * 1000 : null;
    await log.recordAttempt({
      endpointId: message.endpointId,
      webhookId: message.webhookId,
      attempt: attemptRecord,
      status,
      nextAttemptAt,
      at: now(),
    });
    const outcome = { ...fields, statusCode: result.statusCode, ms: result.ms };
    switch (step.kind) {
      case 'succeeded':
        logger.info('webhook delivered', outcome);
        count('webhook_delivered');
        return 'done';
      case 'gone':
        logger.warn('webhook refused with 410 Gone: no more retries', outcome);
        count('webhook_gone');
        return 'done';
      case 'exhausted':
        await queue.deadLetter(message, `${attemptNumber} attempts failed, the last: ${result.error}`);
        logger.error('webhook dead-lettered after its last attempt', { ...outcome, error: result.error });
        count('webhook_dead_lettered');
        return 'done';
      case 'retry':
        await queue.retryLater(record.receiptHandle, step.delaySeconds);
        logger.warn('webhook attempt failed; retrying', {
          ...outcome,
          error: result.error,
          retryInSeconds: step.delaySeconds,
        });
        count('webhook_retried');
        return 'retry';
    }
  }

  async function handleRecord(record: SQSRecord): Promise<'done' | 'retry'> {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (cause) {
      throw new PoisonMessageError('a webhook queue message is not JSON', { cause });
    }
    if (isDeliveryMessage(body)) return attempt(body, record);
    if (isRecordingEventEnvelope(body)) {
      const message = webhookMessageOf(body);
      if (message !== null) await fanOut(message);
      return 'done';
    }
    throw new PoisonMessageError('a webhook queue message is neither an event envelope nor a delivery');
  }

  return async function deliverWebhooks(event: SQSEvent): Promise<SQSBatchResponse> {
    const results = await Promise.allSettled(event.Records.map(handleRecord));
    const batchItemFailures: SQSBatchItemFailure[] = [];
    results.forEach((result, index) => {
      const record = event.Records[index] as SQSRecord;
      if (result.status === 'fulfilled' && result.value === 'done') return;
      if (result.status === 'rejected') {
        const error = result.reason;
        logger.error('webhook queue message failed; it is retried, then dead-lettered', {
          messageId: record.messageId,
          // Config errors name the entry, never a secret; other errors are ours or AWS's.
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        count('webhook_message_failed');
      }
      batchItemFailures.push({ itemIdentifier: record.messageId });
    });
    return { batchItemFailures };
  };
}
