import type { DeliveryStatus } from '../webhooks/deliver-webhooks';
import type { AttemptRecord } from '../webhooks/post-webhook';
import type { RecordingKeyOfWebhook, WebhookType } from '../webhooks/webhook-message';
import { DAY_MS, timeText } from './table-layout';

/**
 * The webhook delivery log in the recordings table (README, "Data model"): one item per endpoint and
 * message, its own key prefix, so no recording reader, stream filter or rebuild ever meets it.
 *
 *   pk       WEBHOOK#<endpointId>                 sk        DELIVERY#<webhookId>
 *   timeKey  WEBHOOK#<endpointId>#<status>        timeSort  <queued at, 15 digits>#<webhookId>   (byTime)
 *
 * The base key serves the attempts' updates and a resend; the byTime entry serves the log's listing,
 * one index partition per endpoint and status, newest first, merged across partitions when a listing
 * spans several (a Query each, never a Scan; no new index).
 */
export const DELIVERY_PARTITION_PREFIX = 'WEBHOOK#';
export const DELIVERY_SORT_PREFIX = 'DELIVERY#';
/** Every attempt is kept this long after the item's last write (DynamoDB TTL). */
export const DELIVERY_LOG_RETENTION_MS = 30 * DAY_MS;

export const deliveryPartitionKey = (endpointId: string): string => `${DELIVERY_PARTITION_PREFIX}${endpointId}`;
export const deliverySortKey = (webhookId: string): string => `${DELIVERY_SORT_PREFIX}${webhookId}`;
export const deliveryTimeKey = (endpointId: string, status: DeliveryStatus): string =>
  `${DELIVERY_PARTITION_PREFIX}${endpointId}#${status}`;
export const deliveryTimeSort = (queuedAt: number, webhookId: string): string => `${timeText(queuedAt)}#${webhookId}`;

export interface DeliveryItem {
  pk: string;
  sk: string;
  timeKey: string;
  timeSort: string;
  endpointId: string;
  webhookId: string;
  type: WebhookType;
  recording: RecordingKeyOfWebhook;
  status: DeliveryStatus;
  /** The exact body every attempt and resend sends. */
  body: string;
  attempts: AttemptRecord[];
  /** Epoch ms of the next attempt while pending and scheduled; null otherwise. */
  nextAttemptAt: number | null;
  queuedAt: number;
  expiresAt: number;
}

/** The log entry as `GET /webhooks/deliveries` answers it. */
export interface DeliveryView {
  endpointId: string;
  webhookId: string;
  type: WebhookType;
  recording: RecordingKeyOfWebhook;
  status: DeliveryStatus;
  attempts: AttemptRecord[];
  nextAttemptAt: string | null;
}

export function toDeliveryView(item: DeliveryItem): DeliveryView {
  const { platform, appId, taskId } = item.recording;
  return {
    endpointId: item.endpointId,
    webhookId: item.webhookId,
    type: item.type,
    recording: { platform, appId, taskId },
    status: item.status,
    attempts: (item.attempts ?? []).map(({ at, statusCode, error, ms }) => ({ at, statusCode, error, ms })),
    nextAttemptAt: typeof item.nextAttemptAt === 'number' ? new Date(item.nextAttemptAt).toISOString() : null,
  };
}
