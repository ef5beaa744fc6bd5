import type { Platform } from '../platforms';
import { FILE_STATUSES, type FileMention, type RecordingEvent } from './events';
import { sortByFileName } from './file-order';
import {
  isReconciliationStatusFact,
  type KnownReconciliation,
  moreTelling,
  type Reconciliation,
  reconciliationStatusFacts,
  toReconciliation,
  withReconciliation,
} from './reconciliation';
import type {
  AppliedEvent,
  RecordingStatus,
  SegmentCounts,
  SegmentFacts,
  StatusRule,
  StatusRules,
} from './status-rule';

export {
  type AppliedEvent,
  RECORDING_STATUSES,
  type RecordingStatus,
  type SegmentCounts,
  type SegmentFacts,
} from './status-rule';

export interface RecordingKey {
  readonly platform: Platform;
  readonly appId: string;
  readonly taskId: string;
}

export interface RecordingState extends RecordingKey {
  readonly roomId: string | null;
  readonly status: RecordingStatus;
  /** The first page of files in name order (all of them when derived from the events). */
  readonly files: FileMention[];
  /** Every distinct file name any event named. */
  readonly fileCount: number;
  /** Where the files route continues after `files`; null when `files` is all of them. */
  readonly filesNextCursor: string | null;
  readonly eventCount: number;
  /** Count of distinct events by vendor event type, to make gaps visible. */
  readonly eventTypes: Record<string, number>;
  readonly startedAt: string | null;
  /** When the latest callback was applied: reconciliation facts do not move it (README, "Recording state"). */
  readonly updatedAt: string;
  /** Not finished, and no new callback for longer than the stale threshold: an end event was probably lost. */
  readonly stale: boolean;
  /** The most telling vendor answer of the latest quiet period the sweep asked about, if any (README, "Recording state"). */
  readonly reconciliation: Reconciliation | null;
}

export interface DeriveOptions {
  readonly now: number;
  readonly staleAfterMs: number;
}

/** The identity the store dedupes on, within a recording: same type and same content hash. */
export function eventSortKey(event: Pick<RecordingEvent, 'eventType' | 'eventId'>): string {
  return `EVENT#${event.eventType}#${event.eventId}`;
}

/** The status facts one event contributes to its recording. */
export function statusFacts(rule: StatusRule, event: AppliedEvent): string[] {
  if (event.reconciliation) return reconciliationStatusFacts(event.reconciliation);
  return rule.facts(event);
}

/** The segment facts one event contributes (GME), none for a reconciliation fact or a platform without segments. */
export function segmentFacts(rule: StatusRule, event: AppliedEvent): SegmentFacts | null {
  if (event.reconciliation) return null;
  return rule.segmentFacts?.(event) ?? null;
}

/** A status fact of a summary from before segment facts, read as the segment facts it now is (or null). */
export function legacySegmentFacts(rule: StatusRule, fact: string): SegmentFacts | null {
  if (isReconciliationStatusFact(fact)) return null;
  return rule.legacySegmentFacts?.(fact) ?? null;
}

/** Per segment fact, how many distinct segments of these events have it. */
export function countSegmentFacts(rule: StatusRule, events: readonly AppliedEvent[]): Record<string, number> {
  const seen = new Set<string>();
  const counts: Record<string, number> = {};
  for (const event of events) {
    const brought = segmentFacts(rule, event);
    for (const fact of brought?.facts ?? []) {
      const id = JSON.stringify([brought?.segment, fact]);
      if (seen.has(id)) continue;
      seen.add(id);
      counts[fact] = (counts[fact] ?? 0) + 1;
    }
  }
  return counts;
}

/**
 * The status a set of facts (and segment counts) implies: the vendor's rule over its events' facts
 * (none at all is a recording that has not told us more), then what reconciliation adds to an
 * unfinished one.
 */
export function statusFromFacts(
  rule: StatusRule,
  facts: ReadonlySet<string>,
  counts: SegmentCounts = {},
): RecordingStatus {
  const own = new Set([...facts].filter((fact) => !isReconciliationStatusFact(fact)));
  const status = own.size === 0 && Object.keys(counts).length === 0 ? 'recording' : rule.status(own, counts);
  return own.size === facts.size ? status : withReconciliation(status, facts);
}

/** Folds one event into the reconciliation a recording shows (`moreTelling`); callbacks leave it as it is. */
export function foldReconciliation(known: KnownReconciliation | null, event: AppliedEvent): KnownReconciliation | null {
  return event.reconciliation ? moreTelling(known, { ...event.reconciliation, checkedAt: event.appliedAt }) : known;
}

const fileRank = (file: FileMention): number => FILE_STATUSES.indexOf(file.status);

/** Every file any event names, once by name, each with its furthest status and a URL if any event had one. */
export function mergeFiles(events: readonly AppliedEvent[]): FileMention[] {
  return mergeFileMentions(events.flatMap((event) => event.files));
}

/** Mentions merged by name, in name order (`file-order.ts`): commutative and idempotent, so order and repeats never matter. */
export function mergeFileMentions(mentions: Iterable<FileMention>): FileMention[] {
  const byName = new Map<string, FileMention>();
  for (const file of mentions) {
    const known = byName.get(file.name);
    if (!known) {
      byName.set(file.name, file);
      continue;
    }
    const status = fileRank(file) > fileRank(known) ? file.status : known.status;
    // The smallest URL wins so that the choice never depends on arrival order.
    const urls = [known.url, file.url].filter((url): url is string => url !== null).sort();
    byName.set(file.name, { name: file.name, url: urls[0] ?? null, status });
  }
  return sortByFileName(byName.values(), (file) => file.name);
}

/**
 * The state of one recording as a pure function of its set of distinct applied events: any order
 * and any duplicates that the store folded away give the same `status`, `files` and `eventCount`.
 */
export function deriveRecordingState(
  key: RecordingKey,
  events: readonly AppliedEvent[],
  options: DeriveOptions & { readonly rules: StatusRules },
): RecordingState {
  const rule = options.rules[key.platform];
  const status = statusFromFacts(
    rule,
    new Set(events.flatMap((event) => statusFacts(rule, event))),
    countSegmentFacts(rule, events),
  );
  const eventTypes: Record<string, number> = {};
  let updatedAt = 0;
  let startedAt: number | null = null;
  let roomId: string | null = null;
  let reconciliation: KnownReconciliation | null = null;
  for (const event of events) {
    eventTypes[event.eventType] = (eventTypes[event.eventType] ?? 0) + 1;
    if (!event.reconciled) updatedAt = Math.max(updatedAt, event.appliedAt);
    reconciliation = foldReconciliation(reconciliation, event);
    if (event.occurredAt !== null) startedAt = Math.min(startedAt ?? event.occurredAt, event.occurredAt);
    // Smallest non-null room id, so a disagreement between events resolves the same way every time.
    if (event.roomId !== null && (roomId === null || event.roomId < roomId)) roomId = event.roomId;
  }
  const files = mergeFiles(events);
  return {
    platform: key.platform,
    appId: key.appId,
    taskId: key.taskId,
    roomId,
    status,
    files,
    fileCount: files.length,
    filesNextCursor: null,
    eventCount: events.length,
    eventTypes,
    startedAt: startedAt === null ? null : new Date(startedAt).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
    stale: isStale(status, updatedAt, options),
    reconciliation: reconciliation === null ? null : toReconciliation(reconciliation),
  };
}

/** Not finished, and silent for longer than the threshold: its end event was probably lost (README, "Recording state"). */
export function isStale(status: RecordingStatus, updatedAt: number, options: DeriveOptions): boolean {
  const finished = status === 'completed' || status === 'failed';
  return !finished && options.now - updatedAt > options.staleAfterMs;
}

/** Not finished: the statuses a stale recording can have. */
export const UNFINISHED_STATUSES = ['recording', 'stopped'] as const satisfies readonly RecordingStatus[];
