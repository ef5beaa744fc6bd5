import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { itemKind, itemSize, refusedWriteUnits } from '../fixtures/capacity-units';

/** One request's consumed capacity, as DynamoDB reported it (or, for a refused conditional write, as computed). */
export interface MeteredRequest {
  stage: string;
  command: string;
  /** The item's kind by its sort key (`fixtures/capacity-units.ts`), or `<table> item` outside the recordings table. */
  kind: string;
  /** The item's partition key, so the bench can charge the request to the callback that caused it. */
  partitionKey: string;
  /** `item` for the base table, else the index's name. */
  units: { target: string; write: number; read: number }[];
  /** A refused conditional write: DynamoDB reports no capacity for it, so its units are computed. */
  refused: boolean;
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);
const READS = new Set(['GetItemCommand', 'QueryCommand']);

interface ConsumedCapacity {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : ((value as AttributeValue | undefined)?.S ?? undefined);

/**
 * Asks DynamoDB for the consumed capacity of every request `client` sends (`ReturnConsumedCapacity:
 * INDEXES`, added by SDK middleware, so the handlers run unchanged) and hands each to `record`, with
 * the stage it belongs to and the item's kind. DynamoDB Local answers INDEXES with AWS's figures
 * (checked in BENCHMARKS.md, "Real cadence"; the bench also recomputes every write from the stream's
 * images). A refused conditional write carries no figure: its units are computed from the item it
 * tried to write (for a redelivery, the same size as the one there), as AWS bills it: the table's
 * units, no index's.
 */
export function meterCapacity(
  client: DynamoDBClient,
  options: { stage: string; recordingsTable: string },
  record: (request: MeteredRequest) => void,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const input = args.input as Record<string, unknown>;
      const isWrite = WRITES.has(command);
      if (!isWrite && !READS.has(command)) return next(args);
      input.ReturnConsumedCapacity = 'INDEXES';
      const table = String(input.TableName ?? '');
      const key = (input.Item ?? input.Key) as Record<string, unknown> | undefined;
      const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
      const partitionKey = text(key?.pk) ?? text(values?.[':pk']) ?? '';
      const kind =
        table === options.recordingsTable
          ? command === 'QueryCommand'
            ? 'query'
            : itemKind(text(key?.sk))
          : `${table} item`;
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity;
        const units = [
          { target: 'item', units: consumed?.Table?.CapacityUnits ?? consumed?.CapacityUnits ?? 0 },
          ...Object.entries(consumed?.GlobalSecondaryIndexes ?? {}).map(([name, figure]) => ({
            target: name,
            units: figure.CapacityUnits ?? 0,
          })),
        ].map(({ target, units: figure }) => ({
          target,
          write: isWrite ? figure : 0,
          read: isWrite ? 0 : figure,
        }));
        record({ stage: options.stage, command, kind, partitionKey, units, refused: false });
        return result;
      } catch (error) {
        if (isWrite && (error as Error).name === 'ConditionalCheckFailedException') {
          const attempted = input.Item
            ? itemSize(
                marshall(input.Item as Record<string, unknown>, {
                  removeUndefinedValues: true,
                  convertClassInstanceToMap: true,
                }),
              )
            : 0;
          record({
            stage: options.stage,
            command,
            kind,
            partitionKey,
            units: [{ target: 'item', write: refusedWriteUnits(attempted), read: 0 }],
            refused: true,
          });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'meterCapacity' },
  );
}
