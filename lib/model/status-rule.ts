import type { Platform } from '../platforms';
import type { RecordingEvent } from './events';

/** Task statuses, ranked: TRTC and SparkRTC status is the maximum rank any applied event implies. */
export const RECORDING_STATUSES = ['recording', 'stopped', 'failed', 'completed'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

/** The facts of one distinct event as the store keeps them. */
export type AppliedEvent = Pick<
  RecordingEvent,
  'eventType' | 'code' | 'seqNo' | 'files' | 'roomId' | 'occurredAt' | 'reconciled' | 'reconciliation'
> & {
  /** When we first applied it (ms). A duplicate never changes it. */
  readonly appliedAt: number;
};

/**
 * Facts about one *segment* of a recording (a GME `SeqNo`): a platform whose recordings have
 * segments without bound contributes these instead of plain facts, and a summary counts them (how
 * many distinct segments have each fact) instead of keeping them one by one (README, "Data model").
 */
export interface SegmentFacts {
  /** The segment, as its item's sort key names it: the same segment is always the same text. */
  readonly segment: string;
  /** From a small fixed vocabulary, as they name attributes of the segment item and keys of the counts. */
  readonly facts: readonly string[];
}

/** Per segment fact, how many distinct segments have it. */
export type SegmentCounts = Readonly<Record<string, number>>;

/**
 * A platform's status rule. Status is derived from a set of small *status facts*, one or two per
 * event, so that the materialized summary (lib/model/recording-summary.ts) can keep the set instead
 * of every event and still derive exactly what `deriveRecordingState` derives from the events. A
 * set is order- and duplicate-free by construction. A platform with unboundedly many segments
 * (GME) contributes segment facts instead, and decides from their counts: counting the distinct
 * segments that have a fact is just as order- and duplicate-free, and stays the same size.
 */
export interface StatusRule {
  /** The facts one event contributes. */
  facts(event: AppliedEvent): string[];
  /** The segment facts one event contributes, if the platform has segments. */
  segmentFacts?(event: AppliedEvent): SegmentFacts | null;
  /**
   * A status fact a previous release kept in summaries that is now a segment fact (GME's
   * `<seqNo>:<type>`), so that a summary not yet rebuilt reads as the new shape; null for any other.
   */
  legacySegmentFacts?(fact: string): SegmentFacts | null;
  /** The status implied by a set of facts and segment counts, not both empty. */
  status(facts: ReadonlySet<string>, counts: SegmentCounts): RecordingStatus;
}

/**
 * The status of highest precedence among facts that are themselves statuses; `precedence` lists
 * them from lowest to highest. Facts that are not statuses are ignored.
 */
export function highestStatus(facts: ReadonlySet<string>, precedence: readonly RecordingStatus[]): RecordingStatus {
  let best = 0;
  for (const fact of facts) best = Math.max(best, precedence.indexOf(fact as RecordingStatus));
  return precedence[best] ?? 'recording';
}

/** Every platform's rule, by platform: the registry builds it from the vendors and passes it in. */
export type StatusRules = Readonly<Record<Platform, StatusRule>>;
