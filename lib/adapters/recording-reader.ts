import { GetCommand, paginateQuery, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor } from '../model/cursor';
import {
  RECORDING_STATUSES,
  type RecordingKey,
  type RecordingState,
  type RecordingStatus,
  UNFINISHED_STATUSES,
} from '../model/recording-state';
import {
  type FilePage,
  type RecordingListEntry,
  type RecordingSummary,
  summaryToListEntry,
  summaryToState,
} from '../model/recording-summary';
import type { Platform } from '../platforms';
import {
  DEFAULT_FILES_PAGE,
  type Page,
  type QueryStore,
  type RecordingListQuery,
  type RoomView,
  type TimelineEvent,
} from '../query/handle-query';
import { DynamoDbSummaryReader } from './summary-reader';
import {
  appStatusKey,
  EVENT_PREFIX,
  type EventItem,
  eventTimeSort,
  FILE_PREFIX,
  type FileItem,
  filesScope,
  type LegacySummaryItem,
  ROOM_INDEX,
  ROOM_ITEM_SORT_KEY,
  recordingPartitionKey,
  roomIndexKey,
  roomPartitionKey,
  SUMMARY_SORT_KEY,
  type SummaryItem,
  TIME_INDEX,
  timeText,
  toFileMention,
  toSummary,
} from './table-layout';

/**
 * What the read routes read (README, "Paging, listings and the timeline"): a recording from its
 * summary, its files and timeline, an app's listing and a room, each a bounded number of requests
 * whatever the recording's size.
 */
export class DynamoDbRecordingReader extends DynamoDbSummaryReader implements QueryStore {
  /**
   * One recording with its first page of files: the summary and, at the same time, one Query of at
   * most `filesLimit` file items, of which its version's are shown, whatever the recording's size.
   */
  async getRecording(key: RecordingKey, options: { filesLimit?: number } = {}): Promise<RecordingState | null> {
    const limit = options.filesLimit ?? DEFAULT_FILES_PAGE;
    // Consistent: an eventually consistent read could miss file items written just before the summary.
    // The first Query goes with the summary's read, not after it: the version filters its items once known.
    const consistent = { consistent: true };
    const firstPage = this.fileItems(key, limit, consistent);
    const summary = await this.getSummary(key);
    if (!summary) {
      await firstPage.catch(() => undefined);
      return null;
    }
    const files = await this.versionFiles(summary, limit, { ...consistent, firstPage });
    return summaryToState(summary, files, this.derive);
  }

  /** A page of a recording's files in name order; every file exactly once across the pages. */
  async listFiles(key: RecordingKey, page: Page): Promise<FilePage> {
    const pk = recordingPartitionKey(key);
    const scope = filesScope(key);
    const after = page.cursor === undefined ? undefined : decodeCursor(scope, page.cursor);
    const { items, next } = await this.queryPage<FileItem & { sk: string }>(
      {
        TableName: this.tableName,
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

  /**
   * A page of a recording's timeline: its distinct events, oldest first (README, "Paging, listings
   * and the timeline"). Event items are in no index, so every page reads the recording's events from
   * its partition and orders them here: a page costs the recording's size, which keeps every event's
   * write at one unit (README, "Cost at real cadence").
   */
  async listEvents(key: RecordingKey, page: Page): Promise<{ events: TimelineEvent[]; nextCursor: string | null }> {
    const pk = recordingPartitionKey(key);
    const scope = `events:${pk}`;
    const after = page.cursor === undefined ? undefined : decodeCursor(scope, page.cursor);
    const items: EventItem[] = [];
    const pages = paginateQuery(
      { client: this.client, pageSize: 1000 },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':pk': pk, ':events': EVENT_PREFIX },
        ProjectionExpression: 'sk, eventType, code, seqNo, files, occurredAt, appliedAt',
      },
    );
    for await (const result of pages) items.push(...((result.Items ?? []) as EventItem[]));
    const ordered = items
      .map((item) => ({ item, position: eventTimeSort(item) }))
      .filter(({ position }) => after === undefined || position > after)
      .sort((a, b) => (a.position < b.position ? -1 : 1));
    const shown = ordered.slice(0, page.limit);
    const last = shown[shown.length - 1];
    return {
      events: shown.map(({ item }) => ({
        eventType: item.eventType,
        occurredAt: item.occurredAt === undefined ? null : new Date(item.occurredAt).toISOString(),
        appliedAt: new Date(item.appliedAt).toISOString(),
        eventId: item.sk.slice(item.sk.lastIndexOf('#') + 1),
        code: item.code ?? null,
        seqNo: item.seqNo ?? null,
        files: item.files ?? [],
      })),
      nextCursor: ordered.length > page.limit && last ? encodeCursor(scope, last.position) : null,
    };
  }

  /**
   * An app's recordings, most recently updated first: one index Query per status asked for (at
   * most four, `limit + 1` entries each), merged by listed activity time, then one batch read of the
   * shown summaries, ordered within the page by their `updatedAt` (the index moves a recording only
   * every `LISTING_STEP_MS` of activity, so pages follow one another to within that step).
   * `stale` is a key condition; a recording whose listed time lags a newer callback is left out by
   * its summary.
   */
  async listRecordings(
    query: RecordingListQuery,
  ): Promise<{ recordings: RecordingListEntry[]; nextCursor: string | null }> {
    const derive = this.derive;
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
        const { Items: items = [] } = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TIME_INDEX,
            KeyConditionExpression: upper === undefined ? 'timeKey = :key' : 'timeKey = :key AND timeSort < :upper',
            ExpressionAttributeValues: {
              ':key': appStatusKey(query.platform, query.appId, status),
              ...(upper !== undefined && { ':upper': upper }),
            },
            ProjectionExpression: 'pk, sk, timeSort',
            ScanIndexForward: false,
            Limit: query.limit + 1,
          }),
        );
        return (items as Pick<SummaryItem, 'pk' | 'sk' | 'timeSort'>[]).map((entry) => ({ ...entry, status }));
      }),
    );
    const merged = pages.flat().sort((a, b) => (a.timeSort < b.timeSort ? 1 : -1));
    const shown = merged.slice(0, query.limit);
    const last = shown[shown.length - 1];
    // The index holds only what rarely changes: the shown summaries are read, so the cost still follows `limit`.
    const items = await this.batchGet(shown.map(({ pk }) => ({ pk, sk: SUMMARY_SORT_KEY })));
    const recordings = shown
      .flatMap(({ pk, status }) => {
        const item = items.get(`${pk}|${SUMMARY_SORT_KEY}`) as SummaryItem | LegacySummaryItem | undefined;
        // The index lags the table: an entry whose recording has moved on to another status is left to
        // that status's partition, so no recording is shown twice or under a status it no longer has.
        return item && item.status === status ? [summaryToListEntry(toSummary(item), derive)] : [];
      })
      .filter((entry) => !query.stale || entry.stale)
      .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
    return {
      recordings,
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
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: roomPartitionKey(platform, appId, roomId), sk: ROOM_ITEM_SORT_KEY },
        }),
      ),
      this.recentSummaries(platform, appId, roomId, options.limit),
    ]);
    if (!room.Item && summaries.length === 0) return null;
    const derive = this.derive;
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
  private async recentSummaries(
    platform: Platform,
    appId: string,
    roomId: string,
    limit: number,
  ): Promise<RecordingSummary[]> {
    const keys: { pk: string; sk: string }[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
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
    const items = await this.batchGet(keys);
    return keys.flatMap(({ pk, sk }) => {
      const item = items.get(`${pk}|${sk}`) as SummaryItem | LegacySummaryItem | undefined;
      return item ? [toSummary(item)] : [];
    });
  }
}

/** Room info as the room item holds it: JSON text, or a map in items written before that. */
function readRoomInfo(item: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (typeof item?.roomInfoJson === 'string') return JSON.parse(item.roomInfoJson) as Record<string, unknown>;
  return (item?.roomInfo as Record<string, unknown> | undefined) ?? null;
}
