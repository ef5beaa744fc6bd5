import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { redrive } from '../../tools/operations/redrive';

/** A dead-letter queue the console shows. */
export interface DeadLetterQueueConfig {
  /** A short id for URLs: `callbacks`, `projection`, `publication`, … */
  readonly name: string;
  readonly label: string;
  readonly url: string;
  /** The queue Redrive moves messages back to; none for stream dead letters, which a redrive cannot replay. */
  readonly redriveTo?: { readonly url: string; readonly label: string };
  /** What an operator does instead, when there is no redrive. */
  readonly hint?: string;
}

/** One message, described by whitelisted fields only: never its body, a signature or a header value. */
export interface DeadLetterSummary {
  readonly id: string;
  readonly sentAt: string | null;
  readonly receiveCount: number;
  /** `callback tencent-trtc`, `sweep stale`, `function publish`, … */
  readonly source: string;
  readonly appId: string | null;
  readonly recording: string | null;
  readonly time: string | null;
  readonly reason: string | null;
}

export interface DeadLetterQueueView {
  readonly name: string;
  readonly label: string;
  /** Visible plus in flight. */
  readonly depth: number;
  readonly visible: number;
  readonly inFlight: number;
  readonly redrive: string | null;
  readonly hint: string | null;
  readonly messages: readonly DeadLetterSummary[];
}

export interface DeadLetterQueues {
  list(): Promise<DeadLetterQueueView[]>;
  /** Undefined when no such queue can be redriven. */
  redrive(name: string): Promise<{ moved: number; failed: number } | undefined>;
}

export interface SqsDeadLettersOptions {
  readonly client: SQSClient;
  readonly queues: readonly DeadLetterQueueConfig[];
  /** `move-task` (SQS's StartMessageMoveTask) in AWS; `loop` for emulators, which lack it. */
  readonly redriveMode: 'move-task' | 'loop';
  /** How many messages each queue shows (at most 10: one receive). */
  readonly peek?: number;
}

/**
 * The dead-letter queues through SQS: depth from the queue's attributes, the first messages by a
 * receive that hides nothing (visibility 0, and put back at once), redrive by the redrive tool's own code.
 */
export class SqsDeadLetters implements DeadLetterQueues {
  constructor(private readonly options: SqsDeadLettersOptions) {}

  list(): Promise<DeadLetterQueueView[]> {
    return Promise.all(this.options.queues.map((queue) => this.#view(queue)));
  }

  async redrive(name: string) {
    const queue = this.options.queues.find((candidate) => candidate.name === name);
    if (queue?.redriveTo === undefined) return undefined;
    const result = await redrive({
      client: this.options.client,
      queueUrl: queue.redriveTo.url,
      deadLetterQueueUrl: queue.url,
      mode: this.options.redriveMode,
    });
    return { moved: result.moved, failed: result.failed };
  }

  async #view(queue: DeadLetterQueueConfig): Promise<DeadLetterQueueView> {
    const { client } = this.options;
    const { Attributes: attributes = {} } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const visible = Number(attributes.ApproximateNumberOfMessages ?? 0);
    const inFlight = Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
    const messages = visible > 0 ? await this.#peek(queue.url) : [];
    return {
      name: queue.name,
      label: queue.label,
      depth: visible + inFlight,
      visible,
      inFlight,
      redrive: queue.redriveTo?.label ?? null,
      hint: queue.hint ?? null,
      messages,
    };
  }

  async #peek(url: string): Promise<DeadLetterSummary[]> {
    const { client } = this.options;
    const { Messages: messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, this.options.peek ?? 10),
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    // Where a queue does not honour visibility 0, put them back explicitly.
    const handles = messages.filter((message) => message.ReceiptHandle);
    if (handles.length > 0) {
      await client
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: handles.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch(() => undefined);
    }
    return messages.map((message) =>
      summarizeDeadLetter({
        id: message.MessageId ?? '',
        body: message.Body ?? '',
        sentTimestamp: message.Attributes?.SentTimestamp,
        receiveCount: message.Attributes?.ApproximateReceiveCount,
      }),
    );
  }
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const isoOf = (value: unknown): string | null => {
  const ms = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isFinite(ms)) return new Date(ms).toISOString();
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : null;
};

/**
 * What the console shows of a dead letter: only fields that are never secret. A callback from ingest
 * (README, "What ingest queues") shows its endpoint, app and time, never its body, query or headers,
 * which hold the vendor's signature; a sweep message its kind and recording; a webhook delivery its
 * endpoint, recording and reason (never its body); an event envelope its type and recording; a stream
 * failure record the function, the condition and the batch's time; anything else only that it is not one of these.
 */
export function summarizeDeadLetter(message: {
  id: string;
  body: string;
  sentTimestamp?: string;
  receiveCount?: string;
}): DeadLetterSummary {
  const base = {
    id: message.id,
    sentAt: isoOf(message.sentTimestamp),
    receiveCount: Number(message.receiveCount ?? 0),
  };
  let value: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(message.body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    value = parsed as Record<string, unknown>;
  } catch {
    return { ...base, source: 'unreadable message', appId: null, recording: null, time: null, reason: 'not JSON' };
  }
  const recordingOf = (holder: Record<string, unknown>) => {
    const [platform, taskId] = [text(holder.platform), text(holder.taskId)];
    return platform && taskId ? `${platform} ${text(holder.appId) ?? '?'} ${taskId}` : null;
  };
  if (value.version === 1 && text(value.endpoint)) {
    return {
      ...base,
      source: `callback ${text(value.endpoint)}`,
      appId: text(value.appId),
      recording: null,
      time: isoOf(value.receivedAt),
      reason: null,
    };
  }
  if (text(value.kind) && (value.kind === 'stale' || value.kind === 'reconciliation')) {
    return {
      ...base,
      source: `sweep ${value.kind}`,
      appId: text(value.appId),
      recording: recordingOf(value),
      time: null,
      reason: null,
    };
  }
  // The webhook DLQ: a delivery message after its last attempt (or its receives), named by endpoint and
  // recording; or a fan-out envelope, by its event. Never the signed body itself.
  if (text(value.endpointId) && text(value.webhookId) && typeof value.body === 'string') {
    let webhook: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(value.body);
      if (typeof parsed === 'object' && parsed !== null) webhook = parsed as Record<string, unknown>;
    } catch {
      // An unreadable body still names its endpoint.
    }
    const data = (typeof webhook.data === 'object' && webhook.data !== null ? webhook.data : {}) as Record<
      string,
      unknown
    >;
    return {
      ...base,
      source: `webhook ${text(value.endpointId)}`,
      appId: text(data.appId),
      recording: recordingOf(data),
      time: isoOf(webhook.timestamp),
      reason: text(value.reason),
    };
  }
  if (text(value['detail-type']) && typeof value.detail === 'object' && value.detail !== null) {
    const detail = value.detail as Record<string, unknown>;
    return {
      ...base,
      source: `event ${text(value['detail-type'])}`,
      appId: text(detail.appId),
      recording: recordingOf(detail),
      time: isoOf(value.time),
      reason: null,
    };
  }
  const context = (value.requestContext ?? {}) as Record<string, unknown>;
  const batch = (value.DDBStreamBatchInfo ?? {}) as Record<string, unknown>;
  const functionArn = text(context.functionArn);
  // The publisher's own letters name the table keys of the summary it could not describe.
  const keys = (typeof value.keys === 'object' && value.keys !== null ? value.keys : {}) as Record<string, unknown>;
  const partition = text(keys.pk)?.replace(/^REC#/, '').split('#') ?? [];
  const fromKeys =
    partition.length >= 3 ? { platform: partition[0], appId: partition[1], taskId: partition.slice(2).join('#') } : {};
  const functionName = functionArn ? functionArn.split(':')[6] : text(value.source);
  return {
    ...base,
    source: functionName ? `function ${functionName}` : 'stream record',
    appId: text(fromKeys.appId),
    recording: recordingOf(fromKeys),
    time: isoOf(value.timestamp) ?? isoOf(batch.approximateArrivalOfFirstRecord),
    reason: text(context.condition) ?? text(value.reason),
  };
}
