import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { FileMention, RecordingEvent, RoomEvent } from '../model/events';
import {
  type AppliedEvent,
  type DeriveOptions,
  deriveRecordingState,
  eventSortKey,
  type RecordingKey,
  type RecordingState,
} from '../model/recording-state';
import type { Platform } from '../platforms';

/** The room index (a GSI): recordings by room, most recent activity first. */
export const ROOM_INDEX = 'byRoom';
const ROOM_ITEM_SORT_KEY = 'ROOM';
const DAY_MS = 86_400_000;

export type ApplyOutcome = 'applied' | 'duplicate' | 'stale';

export interface RoomView {
  readonly platform: Platform;
  readonly appId: string;
  readonly roomId: string;
  /** The latest room info, or null when only recordings name this room. */
  readonly roomInfo: Readonly<Record<string, unknown>> | null;
  readonly roomInfoUpdatedAt: string | null;
  readonly operator: string | null;
  readonly recordings: RecordingState[];
}

export interface RecordingStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Items expire this long after they were written (DynamoDB TTL). */
  retentionDays?: number;
  /** A recording not finished and silent this long is reported `stale`. */
  staleAfterHours?: number;
  now?: () => number;
}

export const recordingPartitionKey = ({ platform, appId, taskId }: RecordingKey): string =>
  `REC#${platform}#${appId}#${taskId}`;
const roomPartitionKey = (platform: Platform, appId: string, roomId: string): string =>
  `ROOM#${platform}#${appId}#${roomId}`;
const roomIndexKey = (platform: Platform, appId: string, roomId: string): string => `${platform}#${appId}#${roomId}`;

interface EventItem {
  pk: string;
  sk: string;
  eventType: string;
  code?: number;
  seqNo?: number;
  files?: FileMention[];
  roomId?: string;
  occurredAt?: number;
  appliedAt: number;
}

/**
 * Recording state in one DynamoDB table. Each distinct event is one item under its recording's
 * partition, written by one conditional put: a `ConditionalCheckFailed` *is* the dedupe, so process
 * spends exactly one write and no read per event, and no item grows as a recording gets longer.
 * State is derived on read from the set of items, so it cannot depend on delivery order.
 */
export class RecordingStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #retentionMs: number;
  readonly #derive: () => DeriveOptions;

  constructor(options: RecordingStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#retentionMs = (options.retentionDays ?? 90) * DAY_MS;
    const now = options.now ?? Date.now;
    const staleAfterMs = (options.staleAfterHours ?? 6) * 3_600_000;
    this.#derive = () => ({ now: now(), staleAfterMs });
  }

  async applyRecordingEvent(event: RecordingEvent, receivedAt: number): Promise<ApplyOutcome> {
    const appliedAt = Date.now();
    const roomIndexed = event.indexInRoom && event.roomId !== null;
    const item = {
      pk: recordingPartitionKey(event),
      sk: eventSortKey(event),
      platform: event.platform,
      appId: event.appId,
      taskId: event.taskId,
      eventType: event.eventType,
      code: event.code ?? undefined,
      seqNo: event.seqNo ?? undefined,
      files: event.files.length > 0 ? event.files : undefined,
      roomId: event.roomId ?? undefined,
      occurredAt: event.occurredAt ?? undefined,
      receivedAt,
      appliedAt,
      expiresAt: Math.floor((appliedAt + this.#retentionMs) / 1000),
      ...(roomIndexed && {
        roomKey: roomIndexKey(event.platform, event.appId, event.roomId as string),
        roomSort: `${String(event.occurredAt ?? receivedAt).padStart(15, '0')}#${event.taskId}`,
      }),
    };
    // Anything but `true` is the refusal (with the existing item when DynamoDB returns it).
    return (await this.#putIfAbsent(item, 'attribute_not_exists(pk)')) === true ? 'applied' : 'duplicate';
  }

  /** Room info is last-writer-wins by the vendor's EventTime; ties go to the larger event id. */
  async applyRoomEvent(event: RoomEvent): Promise<ApplyOutcome> {
    const appliedAt = Date.now();
    const item = {
      pk: roomPartitionKey(event.platform, event.appId, event.roomId),
      sk: ROOM_ITEM_SORT_KEY,
      platform: event.platform,
      appId: event.appId,
      roomId: event.roomId,
      eventTime: event.eventTime,
      eventId: event.eventId,
      operator: event.operator ?? undefined,
      roomInfo: event.roomInfo,
      appliedAt,
      expiresAt: Math.floor((appliedAt + this.#retentionMs) / 1000),
    };
    const newer =
      'attribute_not_exists(pk) OR eventTime < :eventTime OR (eventTime = :eventTime AND eventId < :eventId)';
    const old = await this.#putIfAbsent(item, newer, { ':eventTime': event.eventTime, ':eventId': event.eventId });
    if (old === true) return 'applied';
    return old?.eventId === event.eventId ? 'duplicate' : 'stale';
  }

  async getRecording(key: RecordingKey): Promise<RecordingState | null> {
    const events: AppliedEvent[] = [];
    const pages = paginateQuery(
      { client: this.#client, pageSize: 1000 },
      {
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':pk': recordingPartitionKey(key), ':events': 'EVENT#' },
        ProjectionExpression: 'eventType, code, seqNo, files, roomId, occurredAt, appliedAt',
      },
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []) as EventItem[]) events.push(toAppliedEvent(item));
    }
    return events.length === 0 ? null : deriveRecordingState(key, events, this.#derive());
  }

  async getRoom(
    platform: Platform,
    appId: string,
    roomId: string,
    options: { limit: number },
  ): Promise<RoomView | null> {
    const [room, taskIds] = await Promise.all([
      this.#client.send(
        new GetCommand({
          TableName: this.#tableName,
          Key: { pk: roomPartitionKey(platform, appId, roomId), sk: ROOM_ITEM_SORT_KEY },
        }),
      ),
      this.#recentTaskIds(platform, appId, roomId, options.limit),
    ]);
    if (!room.Item && taskIds.length === 0) return null;
    const recordings = await Promise.all(taskIds.map((taskId) => this.getRecording({ platform, appId, taskId })));
    return {
      platform,
      appId,
      roomId,
      roomInfo: (room.Item?.roomInfo as Record<string, unknown> | undefined) ?? null,
      roomInfoUpdatedAt: room.Item ? new Date(room.Item.eventTime as number).toISOString() : null,
      operator: (room.Item?.operator as string | undefined) ?? null,
      recordings: recordings.filter((recording): recording is RecordingState => recording !== null).sort(newestFirst),
    };
  }

  /** The `limit` most recently active task ids in the room (by their latest indexed event). */
  async #recentTaskIds(platform: Platform, appId: string, roomId: string, limit: number): Promise<string[]> {
    const input: QueryCommandInput = {
      TableName: this.#tableName,
      IndexName: ROOM_INDEX,
      KeyConditionExpression: 'roomKey = :room',
      ExpressionAttributeValues: { ':room': roomIndexKey(platform, appId, roomId) },
      ScanIndexForward: false,
    };
    const taskIds = new Set<string>();
    for await (const page of paginateQuery({ client: this.#client, pageSize: 200 }, input)) {
      for (const item of page.Items ?? []) {
        const sort = item.roomSort as string;
        taskIds.add(sort.slice(sort.indexOf('#') + 1));
        if (taskIds.size >= limit) return [...taskIds];
      }
    }
    return [...taskIds];
  }

  /** Returns true when written, or the existing item when the condition refused the write. */
  async #putIfAbsent(
    item: Record<string, unknown>,
    condition: string,
    values?: Record<string, unknown>,
  ): Promise<true | Record<string, unknown> | undefined> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: item,
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

/** Newest first by start time; a recording whose start event never arrived sorts by its last update. */
function newestFirst(a: RecordingState, b: RecordingState): number {
  const started = (recording: RecordingState) => recording.startedAt ?? recording.updatedAt;
  return started(b).localeCompare(started(a));
}

function toAppliedEvent(item: EventItem): AppliedEvent {
  return {
    eventType: item.eventType,
    code: item.code ?? null,
    seqNo: item.seqNo ?? null,
    files: item.files ?? [],
    roomId: item.roomId ?? null,
    occurredAt: item.occurredAt ?? null,
    appliedAt: item.appliedAt,
  };
}
