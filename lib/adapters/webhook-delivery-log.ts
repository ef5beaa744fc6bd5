import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryLogWriter, DeliveryStatus } from '../webhooks/deliver-webhooks';
import type { DeliveryListing, DeliveryLogReader, DeliveryPage } from '../webhooks/handle-deliveries-request';
import type { WebhookMessage } from '../webhooks/webhook-message';
import { DynamoDbTable, type DynamoDbTableOptions } from './dynamodb-table';
import { TIME_INDEX } from './table-layout';
import {
  DELIVERY_LOG_RETENTION_MS,
  type DeliveryItem,
  deliveryPartitionKey,
  deliverySortKey,
  deliveryTimeKey,
  deliveryTimeSort,
  toDeliveryView,
} from './webhook-delivery-layout';

const expiresAfter = (at: number): number => Math.floor((at + DELIVERY_LOG_RETENTION_MS) / 1000);

/** The webhook delivery log (README, "Delivery log"): written by `deliver`, read and resent by `webhooks`. */
export class DynamoDbDeliveryLog extends DynamoDbTable implements DeliveryLogWriter, DeliveryLogReader {
  constructor(options: Omit<DynamoDbTableOptions, 'retentionDays' | 'staleAfterHours'>) {
    super(options);
  }

  async recordQueued({ endpointId, message, at }: { endpointId: string; message: WebhookMessage; at: number }) {
    // Every field only if absent: a redelivered fan-out must not reset what the attempts wrote.
    const output = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: deliveryPartitionKey(endpointId), sk: deliverySortKey(message.webhookId) },
        UpdateExpression: [
          'SET endpointId = if_not_exists(endpointId, :endpointId)',
          'webhookId = if_not_exists(webhookId, :webhookId)',
          '#type = if_not_exists(#type, :type)',
          'recording = if_not_exists(recording, :recording)',
          '#body = if_not_exists(#body, :body)',
          'attempts = if_not_exists(attempts, :noAttempts)',
          '#status = if_not_exists(#status, :pending)',
          'timeKey = if_not_exists(timeKey, :timeKey)',
          'timeSort = if_not_exists(timeSort, :timeSort)',
          'queuedAt = if_not_exists(queuedAt, :at)',
          'nextAttemptAt = if_not_exists(nextAttemptAt, :at)',
          'expiresAt = if_not_exists(expiresAt, :expiresAt)',
        ].join(', '),
        ExpressionAttributeNames: { '#type': 'type', '#body': 'body', '#status': 'status' },
        ExpressionAttributeValues: {
          ':endpointId': endpointId,
          ':webhookId': message.webhookId,
          ':type': message.type,
          ':recording': message.recording,
          ':body': message.body,
          ':noAttempts': [],
          ':pending': 'pending',
          ':timeKey': deliveryTimeKey(endpointId, 'pending'),
          ':timeSort': deliveryTimeSort(at, message.webhookId),
          ':at': at,
          ':expiresAt': expiresAfter(at),
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const previous = output.Attributes as Partial<DeliveryItem> | undefined;
    return { attempted: (previous?.attempts?.length ?? 0) > 0 };
  }

  async recordAttempt(input: Parameters<DeliveryLogWriter['recordAttempt']>[0]): Promise<void> {
    const { endpointId, webhookId, attempt, status, nextAttemptAt, at } = input;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: deliveryPartitionKey(endpointId), sk: deliverySortKey(webhookId) },
        UpdateExpression: [
          'SET attempts = list_append(if_not_exists(attempts, :noAttempts), :attempt)',
          '#status = :status',
          'timeKey = :timeKey',
          'timeSort = if_not_exists(timeSort, :timeSort)',
          'queuedAt = if_not_exists(queuedAt, :at)',
          'endpointId = :endpointId',
          'webhookId = :webhookId',
          'nextAttemptAt = :nextAttemptAt',
          'expiresAt = :expiresAt',
        ].join(', '),
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':noAttempts': [],
          ':attempt': [attempt],
          ':status': status,
          ':timeKey': deliveryTimeKey(endpointId, status),
          ':timeSort': deliveryTimeSort(at, webhookId),
          ':at': at,
          ':endpointId': endpointId,
          ':webhookId': webhookId,
          ':nextAttemptAt': nextAttemptAt,
          ':expiresAt': expiresAfter(at),
        },
      }),
    );
  }

  async find(endpointId: string, webhookId: string): Promise<DeliveryItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: deliveryPartitionKey(endpointId), sk: deliverySortKey(webhookId) },
        ConsistentRead: true,
      }),
    );
    return Item as DeliveryItem | undefined;
  }

  async markResent(endpointId: string, webhookId: string, at: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: deliveryPartitionKey(endpointId), sk: deliverySortKey(webhookId) },
          ConditionExpression: 'attribute_exists(pk)',
          UpdateExpression: 'SET #status = :pending, timeKey = :timeKey, nextAttemptAt = :at, expiresAt = :expiresAt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':timeKey': deliveryTimeKey(endpointId, 'pending'),
            ':at': at,
            ':expiresAt': expiresAfter(at),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Newest first across the partitions the listing spans (each endpoint × status asked for): each
   * partition is queried from its own position for `limit` entries, the entries merged by time, the
   * first `limit` kept, and each partition's new position is the last of its entries kept.
   */
  async list({ endpointIds, statuses, limit, positions }: DeliveryListing): Promise<DeliveryPage> {
    const partitions = endpointIds.flatMap((endpointId) =>
      statuses.map((status: DeliveryStatus) => deliveryTimeKey(endpointId, status)),
    );
    const fetched = await Promise.all(
      partitions.map(async (timeKey) => {
        const after = positions[timeKey];
        if (after === null) return { timeKey, entries: [], more: false };
        const output = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TIME_INDEX,
            KeyConditionExpression: after === undefined ? 'timeKey = :key' : 'timeKey = :key AND timeSort < :after',
            ExpressionAttributeValues: { ':key': timeKey, ...(after !== undefined && { ':after': after }) },
            ProjectionExpression: 'pk, sk, timeSort',
            ScanIndexForward: false,
            Limit: limit,
          }),
        );
        const entries = (output.Items ?? []) as { pk: string; sk: string; timeSort: string }[];
        return { timeKey, entries, more: output.LastEvaluatedKey !== undefined };
      }),
    );
    const merged = fetched
      .flatMap(({ timeKey, entries }) => entries.map((entry) => ({ ...entry, timeKey })))
      .sort((a, b) => (a.timeSort < b.timeSort ? 1 : a.timeSort > b.timeSort ? -1 : a.pk < b.pk ? -1 : 1));
    const shown = merged.slice(0, limit);
    const next: Record<string, string | null> = {};
    let more = false;
    for (const { timeKey, entries, more: partitionHasMore } of fetched) {
      const kept = shown.filter((entry) => entry.timeKey === timeKey);
      const last = kept[kept.length - 1];
      const exhausted = kept.length === entries.length && !partitionHasMore;
      next[timeKey] = exhausted ? null : ((last?.timeSort ?? positions[timeKey] ?? undefined) as string | null);
      if (!exhausted) more = true;
      if (next[timeKey] === undefined) delete next[timeKey];
    }
    const items = await this.batchGet(shown.map(({ pk, sk }) => ({ pk, sk })));
    const deliveries = shown.flatMap(({ pk, sk }) => {
      const item = items.get(`${pk}|${sk}`) as DeliveryItem | undefined;
      // The index is eventually consistent: an entry whose status moved on since is left out here
      // and listed under its new status.
      return item !== undefined && statuses.includes(item.status) ? [toDeliveryView(item)] : [];
    });
    return { deliveries, nextPositions: more ? next : null };
  }
}
