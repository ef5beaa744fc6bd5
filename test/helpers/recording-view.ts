import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { SummaryProjector } from '../../lib/adapters/summary-projector';
import {
  appStatusKey,
  type EventItem,
  eventTimeSort,
  expiryTime,
  type LegacySummaryItem,
  recordingPartitionKey,
  roomIndexKey,
  SUMMARY_SORT_KEY,
  timeText,
  toAppliedEvent,
} from '../../lib/adapters/table-layout';
import type { FileMention } from '../../lib/model/events';
import { deriveRecordingState, type RecordingKey, type RecordingState } from '../../lib/model/recording-state';
import type { RecordingSummary } from '../../lib/model/recording-summary';
import { createStreamProjectHandler } from '../../lib/project/stream-handler';
import { STATUS_RULES } from '../../lib/providers/registry';
import { localClientConfig } from '../../local/emulators';
import type { StreamHandler, StreamPoller } from '../../local/stream-poller';
import type { RecordingStore } from './recording-store';

export const documentClientFor = (endpoint: string, client = new DynamoDBClient(localClientConfig(endpoint))) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/**
 * The contract's reference: `deriveRecordingState` over the set of distinct event items stored for
 * the recording, read back from the table, as the materialized summary must equal.
 */
export async function derivedFromEvents(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: RecordingKey,
  options: { now: number; staleAfterMs: number },
): Promise<RecordingState | null> {
  const items: EventItem[] = [];
  for await (const page of paginateQuery(
    { client },
    {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
      ExpressionAttributeValues: { ':pk': recordingPartitionKey(key), ':events': 'EVENT#' },
      ConsistentRead: true,
    },
  )) {
    items.push(...((page.Items ?? []) as EventItem[]));
  }
  return items.length === 0
    ? null
    : deriveRecordingState(key, items.map(toAppliedEvent), { ...options, rules: STATUS_RULES });
}

/** The materialized state with every file on one page, to compare with the derivation. */
export async function materialized(store: RecordingStore, key: RecordingKey): Promise<RecordingState | null> {
  return store.getRecording(key, { filesLimit: 1_000 });
}

/** What `useLocalStack()` gives a test: the emulators, and a stream reader from now on. */
interface ProjectionStack {
  stack: { dynamodbEndpoint: string; tableName: string };
  projection(handler?: StreamHandler): Promise<StreamPoller>;
}

/**
 * A projector whose `crashAt`-th write crashes the whole invocation, just before or just after the
 * write reaches DynamoDB, as a Lambda that dies there would: the stream then redelivers the batch.
 */
export async function crashingProjection(stack: ProjectionStack, crashAt: number, when: 'before' | 'after') {
  const raw = new DynamoDBClient(localClientConfig(stack.stack.dynamodbEndpoint));
  let writes = 0;
  let crashed = false;
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      if (!['PutItemCommand', 'UpdateItemCommand'].includes(context.commandName ?? '')) return next(args);
      writes += 1;
      const crashHere = writes === crashAt;
      if (crashHere && when === 'before') {
        crashed = true;
        throw new Error('simulated crash before the write');
      }
      const result = await next(args);
      if (crashHere) {
        crashed = true;
        throw new Error('simulated crash after the write');
      }
      return result;
    },
    { step: 'initialize', name: 'crash' },
  );
  const handler = createStreamProjectHandler({
    projector: new SummaryProjector({
      statusRules: STATUS_RULES,
      client: documentClientFor('', raw),
      tableName: stack.stack.tableName,
    }),
    logger: new Logger({ logLevel: 'SILENT' }),
    countOutcome: () => {},
  });
  const reader = await stack.projection(async (event) => {
    const response = await handler(event);
    // Lambda dies with the invocation: the whole batch comes back, not just the failed recording.
    if (crashed) {
      crashed = false;
      throw new Error('invocation crashed');
    }
    return response;
  });
  return { reader, writes: () => writes };
}

/**
 * A summary item exactly as the previous release wrote it: every field at the top level (so the
 * time index projected its counts), its first files inside, and listed at its exact `updatedAt`.
 */
export function previousReleaseSummaryItem(
  summary: RecordingSummary,
  firstFiles: readonly FileMention[],
  lastSequence: string,
): LegacySummaryItem {
  return {
    ...summary,
    firstFiles: [...firstFiles],
    pk: recordingPartitionKey(summary),
    sk: SUMMARY_SORT_KEY,
    lastSequence,
    statusChanged: true,
    timeKey: appStatusKey(summary.platform, summary.appId, summary.status),
    timeSort: `${timeText(summary.updatedAt)}#${summary.taskId}`,
    roomId: summary.roomId ?? undefined,
    startedAt: summary.startedAt ?? undefined,
    reconciliation: summary.reconciliation ?? undefined,
    ...(summary.roomId !== null && {
      roomKey: roomIndexKey(summary.platform, summary.appId, summary.roomId),
      roomSort: `${timeText(summary.startedAt ?? summary.updatedAt)}#${summary.taskId}`,
    }),
    expiresAt: expiryTime(summary.updatedAt, 86_400_000),
  };
}

/** An event item as the previous release wrote it: with its entry in the timeline index. */
export const previousReleaseEventItem = (item: EventItem): EventItem & { timeKey: string; timeSort: string } => ({
  ...item,
  timeKey: item.pk,
  timeSort: eventTimeSort(item),
});
