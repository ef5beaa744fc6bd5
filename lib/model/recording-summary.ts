import type { FileMention } from './events';
import { type KnownReconciliation, toReconciliation } from './reconciliation';
import {
  type AppliedEvent,
  type DeriveOptions,
  foldReconciliation,
  isStale,
  mergeFileMentions,
  type RecordingKey,
  type RecordingState,
  type RecordingStatus,
  statusFacts,
  statusFromFacts,
} from './recording-state';

/**
 * The materialized view of one recording: everything `deriveRecordingState` computes, kept as
 * facts that fold commutatively (a set of status facts, counts, minimums and maximums), so that
 * folding any partition of a set of distinct events, in any order, gives the same summary as
 * deriving from the whole set. Files are not all in it (a day of slices would not fit in one item):
 * their count and the first page, with every file paged from its own item.
 */
export interface RecordingSummary extends RecordingKey {
  /** Sorted, without duplicates. */
  readonly statusFacts: readonly string[];
  readonly status: RecordingStatus;
  readonly eventCount: number;
  readonly eventTypes: Readonly<Record<string, number>>;
  readonly fileCount: number;
  /**
   * The first `FIRST_FILES_PAGE` files in name order, merged: what a GET answers by default, read
   * with the summary itself. Names only ever join the set, so the smallest ones are a pure function
   * of the events, and one evicted from the page never belongs back.
   */
  readonly firstFiles: readonly FileMention[];
  /** Smallest non-null room id any event named. */
  readonly roomId: string | null;
  /** Earliest vendor event time (ms). */
  readonly startedAt: number | null;
  /** Latest time a distinct callback was applied (ms): the start of the current quiet period. */
  readonly updatedAt: number;
  /** The reconciliation fact the recording shows (`foldReconciliation`), if any. */
  readonly reconciliation: KnownReconciliation | null;
}

/** Files kept in the summary: the default page of `GET /recordings/…`. */
export const FIRST_FILES_PAGE = 100;

/** One distinct event being folded in, with how many file names it was the first to name. */
export interface SummaryAddition {
  readonly event: AppliedEvent;
  readonly newFileCount: number;
}

/**
 * Folds distinct events into a summary. Each event must be folded exactly once (the projector's
 * stream-sequence guard ensures it); then the result depends only on the set of events folded.
 */
export function foldIntoSummary(
  key: RecordingKey,
  summary: RecordingSummary | null,
  additions: readonly SummaryAddition[],
): RecordingSummary {
  const facts = new Set(summary?.statusFacts ?? []);
  const eventTypes: Record<string, number> = { ...summary?.eventTypes };
  let { roomId = null, startedAt = null, updatedAt = 0, fileCount = 0, eventCount = 0 } = summary ?? {};
  let reconciliation = summary?.reconciliation ?? null;
  const mentions: FileMention[] = [...(summary?.firstFiles ?? [])];
  for (const { event, newFileCount } of additions) {
    for (const fact of statusFacts(key.platform, event)) facts.add(fact);
    eventTypes[event.eventType] = (eventTypes[event.eventType] ?? 0) + 1;
    eventCount += 1;
    fileCount += newFileCount;
    mentions.push(...event.files);
    if (!event.reconciled) updatedAt = Math.max(updatedAt, event.appliedAt);
    reconciliation = foldReconciliation(reconciliation, event);
    if (event.occurredAt !== null) startedAt = Math.min(startedAt ?? event.occurredAt, event.occurredAt);
    if (event.roomId !== null && (roomId === null || event.roomId < roomId)) roomId = event.roomId;
  }
  return {
    platform: key.platform,
    appId: key.appId,
    taskId: key.taskId,
    statusFacts: [...facts].sort(),
    status: statusFromFacts(key.platform, facts),
    eventCount,
    eventTypes,
    fileCount,
    firstFiles: mergeFileMentions(mentions).slice(0, FIRST_FILES_PAGE),
    roomId,
    startedAt,
    updatedAt,
    reconciliation,
  };
}

/** A page of a recording's files, in name order. */
export interface FilePage {
  readonly files: FileMention[];
  readonly nextCursor: string | null;
}

/** A recording as listings show it (README, "Paging, listings and the timeline"): every field of the single answer but the files. */
export type RecordingListEntry = Omit<RecordingState, 'files' | 'filesNextCursor'>;

export function summaryToListEntry(summary: RecordingSummary, options: DeriveOptions): RecordingListEntry {
  return {
    platform: summary.platform,
    appId: summary.appId,
    taskId: summary.taskId,
    roomId: summary.roomId,
    status: summary.status,
    fileCount: summary.fileCount,
    eventCount: summary.eventCount,
    eventTypes: { ...summary.eventTypes },
    startedAt: summary.startedAt === null ? null : new Date(summary.startedAt).toISOString(),
    updatedAt: new Date(summary.updatedAt).toISOString(),
    stale: isStale(summary.status, summary.updatedAt, options),
    reconciliation: summary.reconciliation === null ? null : toReconciliation(summary.reconciliation),
  };
}

/** The recording's answer (README, "Recording state") from its summary and its first page of files. */
export function summaryToState(
  summary: RecordingSummary,
  firstFiles: FilePage,
  options: DeriveOptions,
): RecordingState {
  return { ...summaryToListEntry(summary, options), files: firstFiles.files, filesNextCursor: firstFiles.nextCursor };
}
