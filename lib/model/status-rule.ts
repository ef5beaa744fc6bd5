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
 * A platform's status rule. Status is derived from a set of small *status facts*, one or two per
 * event, so that the materialized summary (lib/model/recording-summary.ts) can keep the set instead
 * of every event and still derive exactly what `deriveRecordingState` derives from the events. A
 * set is order- and duplicate-free by construction.
 */
export interface StatusRule {
  /** The facts one event contributes. */
  facts(event: AppliedEvent): string[];
  /** The status implied by a non-empty set of facts. */
  status(facts: ReadonlySet<string>): RecordingStatus;
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
