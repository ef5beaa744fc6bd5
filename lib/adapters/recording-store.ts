import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DEFAULT_RETENTION_DAYS, DEFAULT_STALE_AFTER_HOURS, HOUR_MS } from '../config/defaults';
import { decodeCursor, encodeCursor } from '../model/cursor';
import type { FileMention, RecordingEvent, RoomEvent } from '../model/events';
import type { SummaryVersion } from '../model/recording-event';
import {
  type DeriveOptions,
  eventSortKey,
  RECORDING_STATUSES,
  type RecordingKey,
  type RecordingState,
  type RecordingStatus,
  UNFINISHED_STATUSES,
} from '../model/recording-state';
import {
  FIRST_FILES_PAGE,
  type FilePage,
  type RecordingListEntry,
  type RecordingSummary,
  summaryToListEntry,
  summaryToState,
} from '../model/recording-summary';
import type { Platform } from '../platforms';
import type { SweepCandidate } from '../sweep/sweep';
import {
  appStatusKey,
  DAY_MS,
  type EventItem,
  eventTimeSort,
  FILE_PREFIX,
  type FileItem,
  fileSortKey,
  ROOM_INDEX,
  ROOM_ITEM_SORT_KEY,
  recordingPartitionKey,
  roomIndexKey,
  roomPartitionKey,
  type StaleNoticeItem,
  SUMMARY_SORT_KEY,
  type SummaryItem,
  staleNoticeSortKey,
  TIME_INDEX,
  timeText,
  toFileMention,
  toSummary,
} from './table-layout';

export { recordingPartitionKey } from './table-layout';

export type ApplyOutcome = 'applied' | 'duplicate' | 'stale';

export interface RoomView {
  readonly platform: Platform;
  readonly appId: string;
  readonly roomId: string;
  /** The latest room info, or null when only recordings name this room. */
  readonly roomInfo: Readonly<Record<string, unknown>> | null;
  readonly roomInfoUpdatedAt: string | null;
  readonly operator: string | null;
  readonly recordings: RecordingListEntry[];
}

/** One distinct event in a recording's timeline. */
export interface TimelineEvent {
  readonly eventType: string;
  readonly occurredAt: string | null;
  readonly appliedAt: string;
  readonly eventId: string;
  readonly code: number | null;
  readonly seqNo: number | null;
  readonly files: readonly FileMention[];
}

export interface Page {
  readonly limit: number;
  readonly cursor?: string;
}

export interface RecordingListQuery extends Page {
  readonly platform: Platform;
  readonly appId: string;
  /** Only these statuses; all when unset. */
  readonly status?: RecordingStatus;
  /** Only recordings that are stale now. */
  readonly stale?: boolean;
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

export const DEFAULT_FILES_PAGE = FIRST_FILES_PAGE;
/** BatchGetItem reads at most 100 keys. */
const BATCH_GET_KEYS = 100;
const BATCH_GET_ATTEMPTS = 5;

/**
 * Recording state in one DynamoDB table (README, "Data model"). process writes each distinct
 * event once, with one conditional put: a `ConditionalCheckFailed` *is* the dedupe, so it spends
 * exactly one write and no read per event. The summary and file items that the reads here use are
 * kept from the table's stream by `SummaryProjector`, so no read grows with the recording.
 */
export class RecordingStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #retentionMs: number;
  readonly #now: () => number;
  readonly #staleAfterMs: number;

  constructor(options: RecordingStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#retentionMs = (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * DAY_MS;
    this.#now = options.now ?? Date.now;
    this.#staleAfterMs = (options.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS) * HOUR_MS;
  }

  get #derive(): DeriveOptions {
    return { now: this.#now(), staleAfterMs: this.#staleAfterMs };
  }

  async applyRecordingEvent(event: RecordingEvent, receivedAt: number): Promise<ApplyOutcome> {
    const appliedAt = Date.now();
    const item: EventItem & { expiresAt: number } = {
      pk: recordingPartitionKey(event),
      sk: eventSortKey(event),
      platform: event.platform,
      appId: event.appId,
      taskId: event.taskId,
      eventType: event.eventType,
      code: event.code ?? undefined,
      seqNo: event.seqNo ?? undefined,
      files: event.files.length > 0 ? [...event.files] : undefined,
      roomId: event.roomId ?? undefined,
      occurredAt: event.occurredAt ?? undefined,
      receivedAt,
      appliedAt,
      reconciled: event.reconciled || undefined,
      reconciliation: event.reconciliation,
      expiresAt: Math.floor((appliedAt + this.#retentionMs) / 1000),
    };
    item.timeKey = item.pk;
    item.timeSort = eventTimeSort(item);
    // Anything but `true` is the refusal (with the existing item when DynamoDB returns it).
    return (await this.#putIfAbsent(item, 'attribute_not_exists(pk)')) === true ? 'applied' : 'duplicate';
  }

  /** Records that a quiet period was found stale (README, "Lost callbacks"): once per period, so it is announced once. */
  async markStale(key: RecordingKey, quietSince: number): Promise<'applied' | 'duplicate'> {
    const notedAt = Date.now();
    const item: StaleNoticeItem = {
      pk: recordingPartitionKey(key),
      sk: staleNoticeSortKey(quietSince),
      platform: key.platform,
      appId: key.appId,
      taskId: key.taskId,
      quietSince,
      notedAt,
      expiresAt: Math.floor((notedAt + this.#retentionMs) / 1000),
    };
    return (await this.#putIfAbsent(item, 'attribute_not_exists(pk)')) === true ? 'applied' : 'duplicate';
  }

  /**
   * An app's unfinished recordings quiet since before `staleBefore`, oldest first, in pages: per
   * unfinished status, index Queries with the quiet period as a key condition (never a Scan), and
   * one batch read of the summaries and their notices per page.
   */
  async *staleRecordings(
    platform: Platform,
    appId: string,
    staleBefore: number,
    pageSize = 100,
  ): AsyncGenerator<SweepCandidate[]> {
    for (const status of UNFINISHED_STATUSES) {
      let exclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: TIME_INDEX,
            KeyConditionExpression: 'timeKey = :key AND timeSort < :before',
            ExpressionAttributeValues: {
              ':key': appStatusKey(platform, appId, status),
              ':before': timeText(staleBefore),
            },
            ProjectionExpression: 'pk, taskId, updatedAt',
            Limit: pageSize,
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
        const entries = (page.Items ?? []) as Pick<SummaryItem, 'pk' | 'taskId' | 'updatedAt'>[];
        if (entries.length > 0) yield await this.#sweepCandidates(platform, appId, entries, staleBefore);
        exclusiveStartKey = page.LastEvaluatedKey;
      } while (exclusiveStartKey);
    }
  }

  /** The summaries (the index does not hold their reconciliation) and notices of one page. */
  async #sweepCandidates(
    platform: Platform,
    appId: string,
    entries: readonly Pick<SummaryItem, 'pk' | 'taskId' | 'updatedAt'>[],
    staleBefore: number,
  ): Promise<SweepCandidate[]> {
    const keys = entries.flatMap(({ pk, updatedAt }) => [
      { pk, sk: SUMMARY_SORT_KEY },
      { pk, sk: staleNoticeSortKey(updatedAt) },
    ]);
    // Eventually consistent, half the price: what a lagging read misses, process dedupes or the next run sees.
    const items = await this.#batchGet(keys, 'pk, sk, #status, updatedAt, reconciliation', { '#status': 'status' });
    const unfinished: readonly RecordingStatus[] = UNFINISHED_STATUSES;
    return entries.flatMap(({ pk, taskId, updatedAt }): SweepCandidate[] => {
      const summary = items.get(`${pk}|${SUMMARY_SORT_KEY}`) as SummaryItem | undefined;
      // The index lags the table: skip a recording that finished or heard a callback meanwhile.
      if (!summary || !unfinished.includes(summary.status) || summary.updatedAt >= staleBefore) return [];
      return [
        {
          key: { platform, appId, taskId },
          status: summary.status,
          quietSince: summary.updatedAt,
          noticed: summary.updatedAt === updatedAt && items.has(`${pk}|${staleNoticeSortKey(updatedAt)}`),
          reconciliation: summary.reconciliation ?? null,
        },
      ];
    });
  }

  /**
   * Items by `pk|sk`, eventually consistent, 100 keys per request. Keys DynamoDB leaves unprocessed
   * (throttling) are asked again with backoff, a few times, then the read fails.
   */
  async #batchGet(
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
        const output: BatchGetCommandOutput = await this.#client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.#tableName]: { Keys: pending, ProjectionExpression: projection, ExpressionAttributeNames: names },
            },
          }),
        );
        for (const item of output.Responses?.[this.#tableName] ?? []) items.set(`${item.pk}|${item.sk}`, item);
        pending = output.UnprocessedKeys?.[this.#tableName]?.Keys ?? [];
      }
    }
    return items;
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
      // As JSON text: a vendor's object may nest deeper than a DynamoDB map (32 levels) or hold
      // numbers DynamoDB cannot (README, "Input bounds"). Items written before keep `roomInfo`.
      roomInfoJson: JSON.stringify(event.roomInfo),
      appliedAt,
      expiresAt: Math.floor((appliedAt + this.#retentionMs) / 1000),
    };
    const newer =
      'attribute_not_exists(pk) OR eventTime < :eventTime OR (eventTime = :eventTime AND eventId < :eventId)';
    const old = await this.#putIfAbsent(item, newer, { ':eventTime': event.eventTime, ':eventId': event.eventId });
    if (old === true) return 'applied';
    return old?.eventId === event.eventId ? 'duplicate' : 'stale';
  }

  /**
   * One recording with its first page of files: one `GetItem` (the summary holds the first
   * `FIRST_FILES_PAGE` files), or with a larger `filesLimit` that and one `Query`, whatever its size.
   */
  async getRecording(key: RecordingKey, options: { filesLimit?: number } = {}): Promise<RecordingState | null> {
    const limit = options.filesLimit ?? DEFAULT_FILES_PAGE;
    if (limit <= FIRST_FILES_PAGE) {
      const summary = await this.getSummary(key);
      if (!summary) return null;
      const files = summary.firstFiles.slice(0, limit);
      // A summary written before it kept its first files answers through the Query below.
      if (files.length === Math.min(limit, summary.fileCount)) {
        const last = files[files.length - 1];
        const more = summary.fileCount > files.length && last !== undefined;
        const nextCursor = more ? encodeCursor(filesScope(key), fileSortKey(last.name)) : null;
        return summaryToState(summary, { files: [...files], nextCursor }, this.#derive);
      }
    }
    const [summary, files] = await Promise.all([this.getSummary(key), this.listFiles(key, { limit })]);
    return summary ? summaryToState(summary, files, this.#derive) : null;
  }

  async getSummary(key: RecordingKey): Promise<RecordingSummary | null> {
    const { Item: item } = await this.#client.send(
      new GetCommand({ TableName: this.#tableName, Key: { pk: recordingPartitionKey(key), sk: SUMMARY_SORT_KEY } }),
    );
    return item ? toSummary(item as SummaryItem) : null;
  }

  /** The summary as the publisher announces it, with its stream position: a consistent read. */
  async getSummaryVersion(key: RecordingKey): Promise<SummaryVersion | null> {
    const { Item: item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: { pk: recordingPartitionKey(key), sk: SUMMARY_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    if (!item) return null;
    return { ...toSummary(item as SummaryItem), lastSequence: (item as SummaryItem).lastSequence };
  }

  /** A page of a recording's files in name order; every file exactly once across the pages. */
  async listFiles(key: RecordingKey, page: Page): Promise<FilePage> {
    const pk = recordingPartitionKey(key);
    const scope = filesScope(key);
    const after = page.cursor === undefined ? undefined : decodeCursor(scope, page.cursor);
    const { items, next } = await this.#queryPage<FileItem & { sk: string }>(
      {
        TableName: this.#tableName,
        KeyConditionExpression:
          after === undefined ? 'pk = :pk AND begins_with(sk, :files)' : 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(after === undefined ? { ':files': FILE_PREFIX } : { ':after': after }),
        },
        // Only what a file answer needs: a page of 1,000 stays small to read and to unmarshal.
        ProjectionExpression: 'sk, #name, statuses, urls',
        ExpressionAttributeNames: { '#name': 'name' },
      },
      page.limit,
      (item) => item.sk.startsWith(FILE_PREFIX),
    );
    return {
      files: items.map(toFileMention),
      nextCursor: next ? encodeCursor(scope, next.sk) : null,
    };
  }

  /** A page of a recording's timeline: its distinct events, oldest first (README, "Paging, listings and the timeline"). */
  async listEvents(key: RecordingKey, page: Page): Promise<{ events: TimelineEvent[]; nextCursor: string | null }> {
    const pk = recordingPartitionKey(key);
    const scope = `events:${pk}`;
    const after = page.cursor === undefined ? undefined : decodeCursor(scope, page.cursor);
    const { items, next } = await this.#queryPage<EventItem>(
      {
        TableName: this.#tableName,
        IndexName: TIME_INDEX,
        KeyConditionExpression: after === undefined ? 'timeKey = :pk' : 'timeKey = :pk AND timeSort > :after',
        ExpressionAttributeValues: { ':pk': pk, ...(after !== undefined && { ':after': after }) },
      },
      page.limit,
    );
    return {
      events: items.map((item) => ({
        eventType: item.eventType,
        occurredAt: item.occurredAt === undefined ? null : new Date(item.occurredAt).toISOString(),
        appliedAt: new Date(item.appliedAt).toISOString(),
        eventId: item.sk.slice(item.sk.lastIndexOf('#') + 1),
        code: item.code ?? null,
        seqNo: item.seqNo ?? null,
        files: item.files ?? [],
      })),
      nextCursor: next ? encodeCursor(scope, next.timeSort as string) : null,
    };
  }

  /**
   * An app's recordings, most recently updated first: one index Query per status asked for
   * (at most four, `limit + 1` items each), merged. `stale` is a key condition, not a filter.
   */
  async listRecordings(
    query: RecordingListQuery,
  ): Promise<{ recordings: RecordingListEntry[]; nextCursor: string | null }> {
    const derive = this.#derive;
    const scope = `recordings:${query.platform}#${query.appId}#${query.status ?? '*'}#${query.stale ? 'stale' : '*'}`;
    const before = query.cursor === undefined ? undefined : decodeCursor(scope, query.cursor);
    const staleBound = query.stale ? timeText(derive.now - derive.staleAfterMs) : undefined;
    const upper = [before, staleBound].filter((bound): bound is string => bound !== undefined).sort()[0];
    const unfinished: readonly RecordingStatus[] = UNFINISHED_STATUSES;
    const statuses = (query.status ? [query.status] : query.stale ? unfinished : RECORDING_STATUSES).filter(
      (status) => !query.stale || unfinished.includes(status),
    );
    const pages = await Promise.all(
      statuses.map(async (status) => {
        const { Items: items = [] } = await this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: TIME_INDEX,
            KeyConditionExpression: upper === undefined ? 'timeKey = :key' : 'timeKey = :key AND timeSort < :upper',
            ExpressionAttributeValues: {
              ':key': appStatusKey(query.platform, query.appId, status),
              ...(upper !== undefined && { ':upper': upper }),
            },
            ScanIndexForward: false,
            Limit: query.limit + 1,
          }),
        );
        return items as SummaryItem[];
      }),
    );
    const merged = pages.flat().sort((a, b) => (a.timeSort < b.timeSort ? 1 : -1));
    const shown = merged.slice(0, query.limit);
    const last = shown[shown.length - 1];
    // The index does not hold `reconciliation`: one batch read of the shown summaries, so the cost still follows `limit`.
    const summaries = await this.#batchGet(
      shown.map(({ pk }) => ({ pk, sk: SUMMARY_SORT_KEY })),
      'pk, sk, reconciliation',
    );
    return {
      recordings: shown.map((item) => {
        const reconciliation = summaries.get(`${item.pk}|${SUMMARY_SORT_KEY}`)?.reconciliation as
          | SummaryItem['reconciliation']
          | undefined;
        return summaryToListEntry({ ...toSummary(item), reconciliation: reconciliation ?? null }, derive);
      }),
      nextCursor: merged.length > query.limit && last ? encodeCursor(scope, last.timeSort) : null,
    };
  }

  async getRoom(
    platform: Platform,
    appId: string,
    roomId: string,
    options: { limit: number },
  ): Promise<RoomView | null> {
    const [room, summaries] = await Promise.all([
      this.#client.send(
        new GetCommand({
          TableName: this.#tableName,
          Key: { pk: roomPartitionKey(platform, appId, roomId), sk: ROOM_ITEM_SORT_KEY },
        }),
      ),
      this.#recentSummaries(platform, appId, roomId, options.limit),
    ]);
    if (!room.Item && summaries.length === 0) return null;
    const derive = this.#derive;
    return {
      platform,
      appId,
      roomId,
      roomInfo: readRoomInfo(room.Item),
      roomInfoUpdatedAt: room.Item ? new Date(room.Item.eventTime as number).toISOString() : null,
      operator: (room.Item?.operator as string | undefined) ?? null,
      recordings: summaries.map((summary) => summaryToListEntry(summary, derive)),
    };
  }

  /** The room's `limit` newest recordings by start time: one index Query and one batch read. */
  async #recentSummaries(
    platform: Platform,
    appId: string,
    roomId: string,
    limit: number,
  ): Promise<RecordingSummary[]> {
    const keys: { pk: string; sk: string }[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          IndexName: ROOM_INDEX,
          KeyConditionExpression: 'roomKey = :room',
          ExpressionAttributeValues: { ':room': roomIndexKey(platform, appId, roomId) },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      // Event items of tables written before summaries existed may still be in this index until
      // `npm run rebuild-views` migrates them; only summaries are listed.
      for (const item of page.Items ?? []) {
        if (item.sk === SUMMARY_SORT_KEY && keys.length < limit) keys.push({ pk: item.pk, sk: item.sk });
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey && keys.length < limit);
    // Through the shared batch read, so keys DynamoDB leaves unprocessed are read again, not dropped.
    const items = await this.#batchGet(keys);
    return keys.flatMap(({ pk, sk }) => {
      const item = items.get(`${pk}|${sk}`) as SummaryItem | undefined;
      return item ? [toSummary(item)] : [];
    });
  }

  /** `limit` items after a position, and the last one shown when more remain (one extra item is read to know). */
  async #queryPage<T extends object>(
    input: QueryCommandInput,
    limit: number,
    keep: (item: T) => boolean = () => true,
  ): Promise<{ items: T[]; next: T | undefined }> {
    const { Items: items = [] } = await this.#client.send(new QueryCommand({ ...input, Limit: limit + 1 }));
    const kept = (items as T[]).filter(keep);
    const shown = kept.slice(0, limit);
    return { items: shown, next: kept.length > limit ? shown[shown.length - 1] : undefined };
  }

  /** Returns true when written, or the existing item when the condition refused the write. */
  async #putIfAbsent(
    item: object,
    condition: string,
    values?: Record<string, unknown>,
  ): Promise<true | Record<string, unknown> | undefined> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
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

/** A files cursor belongs to one recording. */
const filesScope = (key: RecordingKey): string => `files:${recordingPartitionKey(key)}`;

/** The files route's cursor after `name`: where a page that ends with that file continues. */
export const filesCursorAfter = (key: RecordingKey, name: string): string =>
  encodeCursor(filesScope(key), fileSortKey(name));

/** The document client the handlers use; AWS_ENDPOINT_URL_DYNAMODB points it at DynamoDB Local. */
export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
}

/** Room info as the room item holds it: JSON text, or a map in items written before that. */
function readRoomInfo(item: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (typeof item?.roomInfoJson === 'string') return JSON.parse(item.roomInfoJson) as Record<string, unknown>;
  return (item?.roomInfo as Record<string, unknown> | undefined) ?? null;
}
