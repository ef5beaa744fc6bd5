import { RECORDING_EVENT_TYPES, type RecordingEventDetail, type RecordingEventType } from '../model/recording-event';
import type { Platform } from '../platforms';

/** The Standard Webhooks `type` of each recording event (README, "Receiving webhooks"). */
export const WEBHOOK_TYPES = {
  [RECORDING_EVENT_TYPES.statusChanged]: 'recording.status_changed',
  [RECORDING_EVENT_TYPES.stale]: 'recording.stale',
} as const satisfies Record<RecordingEventType, string>;
export type WebhookType = (typeof WEBHOOK_TYPES)[RecordingEventType];

export interface RecordingKeyOfWebhook {
  readonly platform: Platform;
  readonly appId: string;
  readonly taskId: string;
}

/**
 * One recording event as every endpoint receives it. `body` is the exact text that is signed and
 * POSTed, built once at fan-out: every attempt and every resend sends these same bytes.
 */
export interface WebhookMessage {
  /** `webhook-id`: the event's `detail.id`, stable across publications, attempts and resends. */
  readonly webhookId: string;
  readonly type: WebhookType;
  readonly recording: RecordingKeyOfWebhook;
  readonly body: string;
}

/** The part of the envelope EventBridge hands to an SQS target that a webhook needs. */
export interface RecordingEventEnvelope {
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: RecordingEventDetail;
}

/**
 * The webhook for one event envelope, or null when its `detail-type` is none we deliver. The body is
 * `{"type","timestamp","data"}`, `timestamp` being the event's time (when the change was written).
 */
export function webhookMessageOf(envelope: RecordingEventEnvelope): WebhookMessage | null {
  const type = WEBHOOK_TYPES[envelope['detail-type'] as RecordingEventType];
  if (type === undefined) return null;
  const { detail } = envelope;
  if (typeof detail?.id !== 'string' || detail.id === '') return null;
  const timestamp = new Date(envelope.time).toISOString();
  return {
    webhookId: detail.id,
    type,
    recording: { platform: detail.platform, appId: detail.appId, taskId: detail.taskId },
    body: JSON.stringify({ type, timestamp, data: detail }),
  };
}

/** An endpoint's filters; an absent list lets everything through. */
export interface WebhookFilters {
  readonly types?: readonly WebhookType[];
  readonly platforms?: readonly Platform[];
  readonly appIds?: readonly string[];
}

export function matchesFilters(message: Pick<WebhookMessage, 'type' | 'recording'>, filters: WebhookFilters): boolean {
  return (
    (filters.types === undefined || filters.types.includes(message.type)) &&
    (filters.platforms === undefined || filters.platforms.includes(message.recording.platform)) &&
    (filters.appIds === undefined || filters.appIds.includes(message.recording.appId))
  );
}

/** What the delivery queue holds: one message for one endpoint. */
export interface DeliveryMessage {
  readonly endpointId: string;
  readonly webhookId: string;
  readonly body: string;
  /** Set on a resend, which starts a fresh schedule of attempts. */
  readonly resend?: true;
}

export function isDeliveryMessage(value: unknown): value is DeliveryMessage {
  const candidate = value as Partial<DeliveryMessage> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.endpointId === 'string' &&
    typeof candidate.webhookId === 'string' &&
    typeof candidate.body === 'string'
  );
}

export function isRecordingEventEnvelope(value: unknown): value is RecordingEventEnvelope {
  const candidate = value as Partial<RecordingEventEnvelope> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate['detail-type'] === 'string' &&
    typeof candidate.time === 'string' &&
    typeof candidate.detail === 'object' &&
    candidate.detail !== null
  );
}
