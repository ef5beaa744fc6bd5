import type { FileMention } from './events';
import { type KnownReconciliation, toReconciliation } from './reconciliation';
import {
  type AppliedEvent,
  type DeriveOptions,
  foldReconciliation,
  isStale,
  legacySegmentFacts,
  type RecordingKey,
  type RecordingState,
  type RecordingStatus,
  type SegmentCounts,
  segmentFacts,
  statusFacts,
  statusFromFacts,
} from './recording-state';
import type { StatusRules } from './status-rule';

/**
 * The materialized view of one recording: everything `deriveRecordingState` computes, kept as
 * facts that fold commutatively (a set of status facts, counts, minimums and maximums), so that
 * folding any partition of a set of distinct events, in any order, gives the same summary as
 * deriving from the whole set. Files are not in it (a day of slices would not fit in one item, and
 * an item rewritten on every event must stay small): only their count, with every file paged from
 * its own item.
 */
export interface RecordingSummary extends RecordingKey {
  /** Sorted, without duplicates. */
  readonly statusFacts: readonly string[];
  /**
   * Per segment fact (GME: `seen`, `ended`, `uploaded`), how many distinct segments have it; absent
   * for a platform without segments. A count instead of the segments, so the summary stays the same
   * size however many segments the sender numbers (README, "Limits").
   */
  readonly segmentCounts?: SegmentCounts;
  readonly status: RecordingStatus;
  readonly eventCount: number;
  readonly eventTypes: Readonly<Record<string, number>>;
  readonly fileCount: number;
  /** Smallest non-null room id any event named. */
  readonly roomId: string | null;
  /** Earliest vendor event time (ms). */
  readonly startedAt: number | null;
  /** Latest time a distinct callback was applied (ms): the start of the current quiet period. */
  readonly updatedAt: number;
  /** The reconciliation fact the recording shows (`foldReconciliation`), if any. */
  readonly reconciliation: KnownReconciliation | null;
}

/** The files a recording's answer and its events carry: the default page of `GET /recordings/…`. */
export const FIRST_FILES_PAGE = 100;

/**
 * One distinct event being folded in, with how many file names it was the first to name and which
 * of its segment facts it was the first to bring to its segment (the projector learns both from its
 * file and segment items, `additionsInOrder` in memory): only those are counted.
 */
export interface SummaryAddition {
  readonly event: AppliedEvent;
  readonly newFileCount: number;
  readonly newSegmentFacts: readonly string[];
}

/**
 * The additions of events folded in this order, each counting the file names and segment facts
 * no event before it brought (`brought` carries that over from earlier folds): a fold without a
 * table (rebuild, samples, tests), equal to what the projector's items say.
 */
export function additionsInOrder(
  rules: StatusRules,
  key: Pick<RecordingKey, 'platform'>,
  events: readonly AppliedEvent[],
  brought: Set<string> = new Set(),
): SummaryAddition[] {
  const bring = (id: string) => !brought.has(id) && Boolean(brought.add(id));
  return events.map((event) => {
    const segment = segmentFacts(rules[key.platform], event);
    return {
      event,
      newFileCount: [...new Set(event.files.map((file) => file.name))].filter((name) => bring(`file:${name}`)).length,
      newSegmentFacts: (segment?.facts ?? []).filter((fact) => bring(`segment:${segment?.segment}:${fact}`)),
    };
  });
}

/**
 * The status facts of a summary of the previous release that are now segment facts (GME's
 * `<seqNo>:<type>`), by segment: the projector gives each an owner in its segment item before it
 * folds into such a summary, and the fold counts them (README, "Data model", migration).
 */
export function legacySegments(
  rules: StatusRules,
  summary: Pick<RecordingSummary, 'platform' | 'statusFacts'>,
): Map<string, string[]> {
  const segments = new Map<string, Set<string>>();
  for (const fact of summary.statusFacts) {
    const legacy = legacySegmentFacts(rules[summary.platform], fact);
    if (!legacy) continue;
    const facts = segments.get(legacy.segment) ?? new Set<string>();
    for (const brought of legacy.facts) facts.add(brought);
    segments.set(legacy.segment, facts);
  }
  return new Map([...segments].map(([segment, facts]) => [segment, [...facts]]));
}

/**
 * Folds distinct events into a summary. Each event must be folded exactly once (the projector's
 * stream-sequence guard ensures it); then the result depends only on the set of events folded.
 */
export function foldIntoSummary(
  key: RecordingKey,
  summary: RecordingSummary | null,
  additions: readonly SummaryAddition[],
  rules: StatusRules,
): RecordingSummary {
  const rule = rules[key.platform];
  const legacy = summary ? legacySegments(rules, summary) : new Map<string, string[]>();
  const facts = new Set((summary?.statusFacts ?? []).filter((fact) => !legacySegmentFacts(rule, fact)));
  const counts: Record<string, number> = { ...summary?.segmentCounts };
  for (const fact of [...legacy.values()].flat()) counts[fact] = (counts[fact] ?? 0) + 1;
  const eventTypes: Record<string, number> = { ...summary?.eventTypes };
  let { roomId = null, startedAt = null, updatedAt = 0, fileCount = 0, eventCount = 0 } = summary ?? {};
  let reconciliation = summary?.reconciliation ?? null;
  for (const { event, newFileCount, newSegmentFacts } of additions) {
    for (const fact of statusFacts(rule, event)) facts.add(fact);
    for (const fact of newSegmentFacts) counts[fact] = (counts[fact] ?? 0) + 1;
    eventTypes[event.eventType] = (eventTypes[event.eventType] ?? 0) + 1;
    eventCount += 1;
    fileCount += newFileCount;
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
    ...(Object.keys(counts).length > 0 && { segmentCounts: sortedCounts(counts) }),
    status: statusFromFacts(rule, facts, counts),
    eventCount,
    eventTypes,
    fileCount,
    roomId,
    startedAt,
    updatedAt,
    reconciliation,
  };
}

/** Counts with their keys in order: the same counts are the same JSON whatever order they were read in. */
export const sortedCounts = (counts: SegmentCounts): SegmentCounts =>
  Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));

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
