import { createHash } from 'node:crypto';
import type { RecordingState, RecordingStatus } from './recording-state';
import type { RecordingSummary } from './recording-summary';

/** The `source` of every event we publish (CONTRACT §6). */
export const RECORDING_EVENT_SOURCE = 'rtc-recording-callbacks';

/** The `detail-type`s we publish. `Recording Stale` (CONTRACT §7) is not published yet. */
export const RECORDING_EVENT_TYPES = { statusChanged: 'Recording Status Changed' } as const;
export type RecordingEventType = (typeof RECORDING_EVENT_TYPES)[keyof typeof RECORDING_EVENT_TYPES];

/**
 * One version of a recording's summary as the table's stream carries it. `lastSequence`, the
 * stream sequence of the last event folded in, is unique per version of one recording.
 */
export interface SummaryVersion extends RecordingSummary {
  readonly lastSequence: string;
}

/** A change of a recording's status: what one `Recording Status Changed` event announces. */
export interface StatusChange {
  readonly summary: SummaryVersion;
  readonly previousStatus: RecordingStatus | null;
  /** `detail.id`: the same for every publication of this change. */
  readonly id: string;
}

/** The `detail` of `Recording Status Changed`: the recording's state (CONTRACT §4), its previous status and the id. */
export interface RecordingEventDetail extends RecordingState {
  readonly previousStatus: RecordingStatus | null;
  readonly id: string;
}

/**
 * The publishing decision: a new summary version announces a change when it has no previous
 * version or its status differs from the previous one's. Pure, so a redelivered stream record
 * gives the same change with the same id.
 */
export function statusChangeOf(previous: SummaryVersion | undefined, current: SummaryVersion): StatusChange | null {
  if (previous !== undefined && previous.status === current.status) return null;
  return { summary: current, previousStatus: previous?.status ?? null, id: statusChangeId(current) };
}

/**
 * The recording, its summary version and its status name one change; EventBridge mints a new
 * envelope id on every PutEvents, so this is the id consumers dedupe on (DESIGN.md).
 */
export function statusChangeId(
  version: Pick<SummaryVersion, 'platform' | 'appId' | 'taskId' | 'lastSequence' | 'status'>,
) {
  const { platform, appId, taskId, lastSequence, status } = version;
  return createHash('sha256')
    .update(JSON.stringify([platform, appId, taskId, lastSequence, status]))
    .digest('hex')
    .slice(0, 32);
}

export function statusChangedDetail(change: StatusChange, state: RecordingState): RecordingEventDetail {
  return { ...state, previousStatus: change.previousStatus, id: change.id };
}
