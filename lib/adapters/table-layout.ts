import { encodeCursor } from '../model/cursor';
import type { FileMention, FileStatus } from '../model/events';
import { FILE_STATUSES } from '../model/events';
import { fileOrderKey } from '../model/file-order';
import type { KnownReconciliation, ReconciliationFact } from '../model/reconciliation';
import type { AppliedEvent, RecordingKey, RecordingStatus } from '../model/recording-state';
import { type RecordingSummary, sortedCounts } from '../model/recording-summary';
import type { Platform } from '../platforms';

/**
 * The single-table layout (README, "Data model"). Under a recording's partition:
 * - `EVENT#<type>#<content hash>`: one item per distinct event, written once by process, in no
 *   index (the timeline reads them from the partition, README "Paging, listings and the timeline");
 * - `FILE#<name>`: one item per file name, kept by the projector (statuses and URLs as sets, and
 *   the stream position of the event that first named it, so a summary version knows its files);
 * - `SEG#<segment>`: one item per segment (GME SeqNo), kept by the projector: which event first
 *   brought each segment fact, so that the summary counts it once;
 * - `SUMMARY`: the materialized view, kept by the projector. What changes on every event lives in
 *   its `folded` map, which no index projects, so that a slice rewrites one small item and no index
 *   entry (README, "Cost at real cadence");
 * - `STALE#<quiet since>`: the sweep's bookkeeping, one per quiet period announced (not an event).
 * Rooms are `ROOM#…` partitions with one `ROOM` item.
 *
 * Two indexes:
 * - `byTime`: a summary is listed under `APP#<platform>#<appId>#<status>` by its listed activity
 *   time, which moves only when the status changes or the recording has been active for
 *   `LISTING_STEP_MS` since it last moved (event items of earlier releases are also in it, under their
 *   recording's partition key; nothing reads those entries any more);
 * - `byRoom` lists summaries under their room by start time.
 */
export const TIME_INDEX = 'byTime';
export const ROOM_INDEX = 'byRoom';
export const EVENT_PREFIX = 'EVENT#';
export const FILE_PREFIX = 'FILE#';
export const SEGMENT_PREFIX = 'SEG#';
export const SUMMARY_SORT_KEY = 'SUMMARY';
export const STALE_NOTICE_PREFIX = 'STALE#';
export const ROOM_ITEM_SORT_KEY = 'ROOM';
export const DAY_MS = 86_400_000;

/**
 * How far a recording's listed activity time may lag its last update before the projector moves it
 * in `byTime`. A move is a delete and a put in the index (2 write units); a slice every 10 s would
 * pay them on every slice, while one move per 15 minutes adds 0.02 units per slice. Listings read
 * each shown recording's summary and order a page by its real `updatedAt`.
 */
export const LISTING_STEP_MS = 15 * 60_000;

export const recordingPartitionKey = ({ platform, appId, taskId }: RecordingKey): string =>
  `REC#${platform}#${appId}#${taskId}`;
export const roomPartitionKey = (platform: Platform, appId: string, roomId: string): string =>
  `ROOM#${platform}#${appId}#${roomId}`;
export const roomIndexKey = (platform: Platform, appId: string, roomId: string): string =>
  `${platform}#${appId}#${roomId}`;
export const appStatusKey = (platform: Platform, appId: string, status: RecordingStatus): string =>
  `APP#${platform}#${appId}#${status}`;

/** An item's DynamoDB TTL (epoch seconds): `retentionMs` after `fromMs`. */
export const expiryTime = (fromMs: number, retentionMs: number): number => Math.floor((fromMs + retentionMs) / 1000);

/** Milliseconds as fixed-width text, so that string order is time order. */
export const timeText = (ms: number): string => String(Math.max(0, Math.trunc(ms))).padStart(15, '0');

/** Stream sequence numbers are decimal strings of varying length (up to 40 digits): pad to compare. */
export const sequenceText = (sequence: string): string => sequence.padStart(40, '0');

/** Stream sequence numbers in stream order: decimal strings of varying length. */
export const compareSequences = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/**
 * A file item's sort key: DynamoDB pages them in name order, since it orders keys by their UTF-8
 * bytes and `fileOrderKey` is defined so that those bytes are name order (`lib/model/file-order.ts`).
 * The name itself up to 900 bytes; at most 973 bytes (sort keys are at most 1,024).
 */
export const fileSortKey = (name: string): string => `${FILE_PREFIX}${fileOrderKey(name)}`;

export const segmentSortKey = (segment: string): string => `${SEGMENT_PREFIX}${segment}`;

/** The attribute of a segment item naming the event that first brought `fact` to the segment. */
export const segmentOwnerAttribute = (fact: string): string => `owner_${fact}`;

/**
 * The owner of the segment facts a summary of the previous release held one by one (README, "Data
 * model", migration): not an event's sort key, so no event that brings them again counts them.
 */
export const LEGACY_SEGMENT_OWNER = 'SUMMARY#legacy';

/** An event item as process writes it. */
export interface EventItem {
  pk: string;
  sk: string;
  platform: Platform;
  appId: string;
  taskId: string;
  eventType: string;
  code?: number;
  seqNo?: number;
  files?: FileMention[];
  roomId?: string;
  occurredAt?: number;
  receivedAt?: number;
  appliedAt: number;
  reconciled?: boolean;
  reconciliation?: ReconciliationFact;
}

/** Where an event sits in its recording's timeline: vendor time, else when we applied it. */
export function eventTimeSort(item: Pick<EventItem, 'sk' | 'occurredAt' | 'appliedAt'>): string {
  return `${timeText(item.occurredAt ?? item.appliedAt)}#${item.sk}`;
}

export function toAppliedEvent(item: EventItem): AppliedEvent {
  return {
    eventType: item.eventType,
    code: item.code ?? null,
    seqNo: item.seqNo ?? null,
    files: item.files ?? [],
    roomId: item.roomId ?? null,
    occurredAt: item.occurredAt ?? null,
    appliedAt: item.appliedAt,
    ...(item.reconciled && { reconciled: true }),
    ...(item.reconciliation && { reconciliation: item.reconciliation }),
  };
}

/** A file item: every status and URL any event gave the name, merged when read. */
export interface FileItem {
  name: string;
  statuses: Set<string>;
  urls?: Set<string>;
  /** The event that first named the file: it, and only it, counts the file (README, "Data model"). */
  firstEventSk: string;
  /**
   * The stream position (`sequenceText`) of the first event folded that named it: the file belongs
   * to every summary version from that position on. `EVERY_VERSION` on items a rebuild wrote, and
   * absent on those of an earlier release: both belong to every version.
   */
  firstSequence?: string;
}

/** The `firstSequence` of a file item in every summary version: before any stream position. */
export const EVERY_VERSION = '';

/** Whether a file item belongs to the summary version whose last folded event is at `lastSequence`. */
export const fileInVersion = (item: Pick<FileItem, 'firstSequence'>, lastSequence: string): boolean =>
  item.firstSequence === undefined || item.firstSequence <= lastSequence;

const fileRank = (status: string): number => FILE_STATUSES.indexOf(status as FileStatus);

/** Furthest status, smallest URL: the same merge as `mergeFiles`, so the choice never depends on order. */
export function toFileMention(item: FileItem): FileMention {
  const status = [...item.statuses].reduce((best, next) => (fileRank(next) > fileRank(best) ? next : best));
  const urls = [...(item.urls ?? [])].sort();
  return { name: item.name, url: urls[0] ?? null, status: status as FileStatus };
}

/** What a summary item keeps in `folded`: everything that may change on every event. */
export type FoldedFields = Pick<
  RecordingSummary,
  'statusFacts' | 'segmentCounts' | 'eventCount' | 'eventTypes' | 'fileCount' | 'updatedAt'
> & { reconciliation?: KnownReconciliation };

/**
 * A summary item: the summary, its place in the indexes, and the projector's high-water mark.
 * Top level, what `byTime` projects (`platform`, `appId`, `taskId`, `roomId`, `status`,
 * `startedAt`): these change a few times in a recording's life. Everything else is in `folded`.
 */
export interface SummaryItem {
  pk: string;
  sk: typeof SUMMARY_SORT_KEY;
  platform: Platform;
  appId: string;
  taskId: string;
  status: RecordingStatus;
  roomId?: string;
  startedAt?: number;
  folded: FoldedFields;
  /** Stream sequence (padded) of the last event folded in: a redelivered record at or below it is skipped. */
  lastSequence: string;
  /**
   * This version is the first or changed the status: the publisher's event source mapping filters on
   * it, so versions that change nothing else (a slice) never invoke it.
   */
  statusChanged: boolean;
  timeKey: string;
  timeSort: string;
  roomKey?: string;
  roomSort?: string;
  expiresAt: number;
}

/** A summary item as the previous release wrote it: every field at the top level, and the first files. */
export type LegacySummaryItem = Omit<SummaryItem, 'folded'> & FoldedFields & { firstFiles?: FileMention[] };

/** The activity time a summary item is listed at in `byTime` (the head of its `timeSort`). */
export const listedAt = (item: Pick<SummaryItem, 'timeSort'>): number => Number(item.timeSort.slice(0, 15));

export function toSummaryItem(
  summary: RecordingSummary,
  lastSequence: string,
  retentionMs: number,
  previous: Pick<SummaryItem, 'status' | 'timeSort'> | null,
): SummaryItem {
  // Moves in `byTime` only when its position means something new (LISTING_STEP_MS).
  const keepsPlace =
    previous !== null &&
    previous.status === summary.status &&
    summary.updatedAt - listedAt(previous) < LISTING_STEP_MS &&
    listedAt(previous) <= summary.updatedAt;
  return {
    pk: recordingPartitionKey(summary),
    sk: SUMMARY_SORT_KEY,
    platform: summary.platform,
    appId: summary.appId,
    taskId: summary.taskId,
    status: summary.status,
    ...(summary.roomId !== null && { roomId: summary.roomId }),
    ...(summary.startedAt !== null && { startedAt: summary.startedAt }),
    folded: {
      statusFacts: summary.statusFacts,
      ...(summary.segmentCounts && { segmentCounts: summary.segmentCounts }),
      eventCount: summary.eventCount,
      eventTypes: summary.eventTypes,
      fileCount: summary.fileCount,
      updatedAt: summary.updatedAt,
      ...(summary.reconciliation !== null && { reconciliation: summary.reconciliation }),
    },
    lastSequence,
    statusChanged: previous?.status !== summary.status,
    timeKey: appStatusKey(summary.platform, summary.appId, summary.status),
    timeSort: keepsPlace ? previous.timeSort : `${timeText(summary.updatedAt)}#${summary.taskId}`,
    ...(summary.roomId !== null && {
      roomKey: roomIndexKey(summary.platform, summary.appId, summary.roomId),
      roomSort: `${timeText(summary.startedAt ?? summary.updatedAt)}#${summary.taskId}`,
    }),
    expiresAt: expiryTime(summary.updatedAt, retentionMs),
  };
}

/** A summary item of this release or of the previous one (`LegacySummaryItem`). */
export const isLegacySummaryItem = (item: SummaryItem | LegacySummaryItem): item is LegacySummaryItem =>
  !('folded' in item) || item.folded === undefined;

export function toSummary(item: SummaryItem | LegacySummaryItem): RecordingSummary {
  const folded: FoldedFields = isLegacySummaryItem(item) ? item : item.folded;
  return {
    platform: item.platform,
    appId: item.appId,
    taskId: item.taskId,
    statusFacts: folded.statusFacts,
    ...(folded.segmentCounts && { segmentCounts: sortedCounts(folded.segmentCounts) }),
    status: item.status,
    eventCount: folded.eventCount,
    eventTypes: folded.eventTypes,
    fileCount: folded.fileCount,
    roomId: item.roomId ?? null,
    startedAt: item.startedAt ?? null,
    updatedAt: folded.updatedAt,
    reconciliation: folded.reconciliation ?? null,
  };
}

/** A quiet period announced as stale: written once by process from the sweep's notice; the publisher announces it. */
export interface StaleNoticeItem {
  pk: string;
  sk: string;
  platform: Platform;
  appId: string;
  taskId: string;
  quietSince: number;
  notedAt: number;
  expiresAt: number;
}

export const staleNoticeSortKey = (quietSince: number): string => `${STALE_NOTICE_PREFIX}${timeText(quietSince)}`;

/** A files cursor belongs to one recording. */
export const filesScope = (key: RecordingKey): string => `files:${recordingPartitionKey(key)}`;

/** The files route's cursor after `name`: where a page that ends with that file continues. */
export const filesCursorAfter = (key: RecordingKey, name: string): string =>
  encodeCursor(filesScope(key), fileSortKey(name));
