import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DEFAULT_RETENTION_DAYS, DEFAULT_STALE_AFTER_HOURS, HOUR_MS } from '../config/defaults';
import type { DeriveOptions } from '../model/recording-state';
import { DAY_MS } from './table-layout';

export interface DynamoDbTableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Items expire this long after they were written (DynamoDB TTL). */
  retentionDays?: number;
  /** A recording not finished and silent this long is reported `stale`. */
  staleAfterHours?: number;
  now?: () => number;
}

/** BatchGetItem reads at most 100 keys. */
const BATCH_GET_KEYS = 100;
const BATCH_GET_ATTEMPTS = 5;

/** Condition pieces, named (as Powertools' persistence layer does), joined where a write needs them. */
export const CONDITIONS = {
  itemIsNew: 'attribute_not_exists(pk)',
  olderEventTime: 'eventTime < :eventTime',
  sameEventTimeSmallerId: '(eventTime = :eventTime AND eventId < :eventId)',
} as const;

/**
 * The recordings table (README, "Data model"), as each of its readers and writers shares it: the
 * client, the clock and the batched reads. Each Lambda bundles only the reader or writer it uses.
 */
export abstract class DynamoDbTable {
  protected readonly client: DynamoDBDocumentClient;
  protected readonly tableName: string;
  protected readonly retentionMs: number;
  protected readonly staleAfterMs: number;
  protected readonly now: () => number;

  constructor(options: DynamoDbTableOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionMs = (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * DAY_MS;
    this.now = options.now ?? Date.now;
    this.staleAfterMs = (options.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS) * HOUR_MS;
  }

  protected get derive(): DeriveOptions {
    return { now: this.now(), staleAfterMs: this.staleAfterMs };
  }

  /**
   * Items by `pk|sk`, eventually consistent, 100 keys per request. Keys DynamoDB leaves unprocessed
   * (throttling) are asked again with backoff, a few times, then the read fails.
   */
  protected async batchGet(
    keys: readonly { pk: string; sk: string }[],
    projection?: string,
    names?: Record<string, string>,
  ): Promise<Map<string, Record<string, unknown>>> {
    const items = new Map<string, Record<string, unknown>>();
    for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
      let pending: Record<string, unknown>[] = keys.slice(start, start + BATCH_GET_KEYS);
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        if (attempt > BATCH_GET_ATTEMPTS) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const output: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: { Keys: pending, ProjectionExpression: projection, ExpressionAttributeNames: names },
            },
          }),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) items.set(`${item.pk}|${item.sk}`, item);
        pending = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items;
  }

  /** `limit` items after a position, and the last one shown when more remain (one extra item is read to know). */
  protected async queryPage<T extends object>(
    input: QueryCommandInput,
    limit: number,
    keep: (item: T) => boolean = () => true,
  ): Promise<{ items: T[]; next: T | undefined }> {
    const { Items: items = [] } = await this.client.send(new QueryCommand({ ...input, Limit: limit + 1 }));
    const kept = (items as T[]).filter(keep);
    const shown = kept.slice(0, limit);
    return { items: shown, next: kept.length > limit ? shown[shown.length - 1] : undefined };
  }

  /** Returns true when written, or the existing item when the condition refused the write. */
  protected async putIfAbsent(
    item: object,
    condition: string,
    values?: Record<string, unknown>,
  ): Promise<true | Record<string, unknown> | undefined> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item as Record<string, unknown>,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          // Tells us why the write was refused without a second read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return error.Item ? unmarshall(error.Item) : undefined;
      }
      throw error;
    }
  }
}

/** The document client the handlers use; AWS_ENDPOINT_URL_DYNAMODB points it at DynamoDB Local. */
export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
}
