import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const READS = new Set([
  'GetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'TransactGetItemsCommand',
]);
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

export interface RequestCounts {
  reads: number;
  writes: number;
  byCommand: Record<string, number>;
}

/**
 * Counts the DynamoDB requests a client actually sends, by SDK middleware, so figures are counted
 * rather than estimated. Retries by the SDK count once per command, as DynamoDB bills them.
 */
export function countDynamoDbRequests(client: DynamoDBClient | DynamoDBDocumentClient): RequestCounts {
  const counts: RequestCounts = { reads: 0, writes: 0, byCommand: {} };
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? 'unknown';
      counts.byCommand[name] = (counts.byCommand[name] ?? 0) + 1;
      if (READS.has(name)) counts.reads += 1;
      if (WRITES.has(name)) counts.writes += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countDynamoDbRequests' },
  );
  return counts;
}
