import { encodeCursor } from '../model/cursor';
import type { FileMention, FileStatus } from '../model/events';
import { FILE_STATUSES } from '../model/events';
import { fileOrderKey } from '../model/file-order';
import type { ReconciliationFact } from '../model/reconciliation';
import type { AppliedEvent, RecordingKey, RecordingStatus } from '../model/recording-state';
import { type RecordingSummary, sortedCounts } from '../model/recording-summary';
import type { Platform } from '../platforms';

/**
 * The single-table layout (README, "Data model"). Under a recording's partition:
 * - `EVENT#<type>#<content hash>`: one item per distinct event, written once by process;
 * - `FILE#<name>`: one item per file name, kept by the projector (statuses and URLs as sets);
 * - `SEG#<segment>`: one item per segment (GME SeqNo), kept by the projector: which event first
 *   brought each segment fact, so that the summary counts it once;
 * - `SUMMARY`: the materialized view, kept by the projector;
 * - `STALE#<quiet since>`: the sweep's bookkeeping, one per quiet period announced (not an event).
 * Rooms are `ROOM#…` partitions with one `ROOM` item.
 *
 * Two indexes:
 * - `byTime` is overloaded: a summary is listed under `APP#<platform>#<appId>#<status>` by last
 *   update, an event under its recording's partition key by event time (the timeline);
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
  timeKey?: string;
  timeSort?: string;
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
}

const fileRank = (status: string): number => FILE_STATUSES.indexOf(status as FileStatus);

/** Furthest status, smallest URL: the same merge as `mergeFiles`, so the choice never depends on order. */
export function toFileMention(item: FileItem): FileMention {
  const status = [...item.statuses].reduce((best, next) => (fileRank(next) > fileRank(best) ? next : best));
  const urls = [...(item.urls ?? [])].sort();
  return { name: item.name, url: urls[0] ?? null, status: status as FileStatus };
}

/** A summary item: the summary, its place in the indexes, and the projector's high-water mark. */
export interface SummaryItem extends RecordingSummary {
  pk: string;
  sk: typeof SUMMARY_SORT_KEY;
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

export function toSummaryItem(
  summary: RecordingSummary,
  lastSequence: string,
  retentionMs: number,
  previous: Pick<RecordingSummary, 'status'> | null,
): SummaryItem {
  return {
    ...summary,
    pk: recordingPartitionKey(summary),
    sk: SUMMARY_SORT_KEY,
    lastSequence,
    statusChanged: previous?.status !== summary.status,
    timeKey: appStatusKey(summary.platform, summary.appId, summary.status),
    timeSort: `${timeText(summary.updatedAt)}#${summary.taskId}`,
    ...(summary.roomId !== null && {
      roomKey: roomIndexKey(summary.platform, summary.appId, summary.roomId),
      roomSort: `${timeText(summary.startedAt ?? summary.updatedAt)}#${summary.taskId}`,
    }),
    expiresAt: expiryTime(summary.updatedAt, retentionMs),
  };
}

export function toSummary(item: SummaryItem): RecordingSummary {
  return {
    platform: item.platform,
    appId: item.appId,
    taskId: item.taskId,
    statusFacts: item.statusFacts,
    // Not in index entries either: listings show the status, and only the projector folds into these.
    ...(item.segmentCounts && { segmentCounts: sortedCounts(item.segmentCounts) }),
    status: item.status,
    eventCount: item.eventCount,
    eventTypes: item.eventTypes,
    fileCount: item.fileCount,
    // Index entries leave it out (README, "Data model"): listings show `fileCount` only.
    firstFiles: item.firstFiles ?? [],
    roomId: item.roomId ?? null,
    startedAt: item.startedAt ?? null,
    updatedAt: item.updatedAt,
    // Index entries leave it out too: listings and the sweep read it from the summary itself.
    reconciliation: item.reconciliation ?? null,
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
