import { createHash } from 'node:crypto';
import { type RecordingState, type RecordingStatus, UNFINISHED_STATUSES } from './recording-state';
import type { RecordingSummary } from './recording-summary';

/** The `source` of every event we publish (README, "Recording events"). */
export const RECORDING_EVENT_SOURCE = 'rtc-recording-callbacks';

/** The `detail-type`s we publish (README, "Recording events"). */
export const RECORDING_EVENT_TYPES = { statusChanged: 'Recording Status Changed', stale: 'Recording Stale' } as const;
export type RecordingEventType = (typeof RECORDING_EVENT_TYPES)[keyof typeof RECORDING_EVENT_TYPES];

/**
 * One version of a recording's summary as the table's stream carries it. `lastSequence`, the
 * stream sequence of the last event folded in, is unique per version of one recording.
 */
export interface SummaryVersion extends RecordingSummary {
  readonly lastSequence: string;
}

/**
 * What one event announces: a change of a recording's status (`Recording Status Changed`), or a
 * quiet period found stale (`Recording Stale`), with the summary version it describes.
 */
export interface RecordingAnnouncement {
  readonly detailType: RecordingEventType;
  readonly summary: SummaryVersion;
  readonly previousStatus: RecordingStatus | null;
  /** `detail.id`: the same for every publication of this announcement. */
  readonly id: string;
  /** The event's `time` (ms), the same on every retry: when the change or the notice was written. */
  readonly time: number;
}

/** The `detail` of `Recording Status Changed`: the recording's state (README, "Recording state"), its previous status and the id. */
export interface RecordingEventDetail extends RecordingState {
  readonly previousStatus: RecordingStatus | null;
  readonly id: string;
}

/**
 * The publishing decision: a new summary version announces a change when it has no previous
 * version or its status differs from the previous one's. Pure, so a redelivered stream record
 * gives the same change with the same id.
 */
export function statusChangeOf(
  previous: SummaryVersion | undefined,
  current: SummaryVersion,
): RecordingAnnouncement | null {
  if (previous !== undefined && previous.status === current.status) return null;
  return {
    detailType: RECORDING_EVENT_TYPES.statusChanged,
    summary: current,
    previousStatus: previous?.status ?? null,
    id: statusChangeId(current),
    time: current.updatedAt,
  };
}

/** A stale notice the sweep recorded for one quiet period. */
export interface StaleNotice {
  readonly quietSince: number;
  readonly notedAt: number;
}

/**
 * `Recording Stale` for a notice, if the recording is still unfinished and still in the quiet
 * period noted: a callback that arrived meanwhile ended the period, and there is nothing to announce.
 * `previousStatus` is the current status, which being stale does not change.
 */
export function staleAnnouncementOf(current: SummaryVersion, notice: StaleNotice): RecordingAnnouncement | null {
  const unfinished: readonly RecordingStatus[] = UNFINISHED_STATUSES;
  if (!unfinished.includes(current.status) || current.updatedAt !== notice.quietSince) return null;
  const { platform, appId, taskId } = current;
  return {
    detailType: RECORDING_EVENT_TYPES.stale,
    summary: current,
    previousStatus: current.status,
    // One per quiet period, whatever the summary version it was published with.
    id: hashOf([platform, appId, taskId, 'stale', notice.quietSince]),
    time: notice.notedAt,
  };
}

/**
 * The recording, its summary version and its status name one change; EventBridge mints a new
 * envelope id on every PutEvents, so this is the id consumers dedupe on (README, "Recording events").
 */
export function statusChangeId(
  version: Pick<SummaryVersion, 'platform' | 'appId' | 'taskId' | 'lastSequence' | 'status'>,
) {
  const { platform, appId, taskId, lastSequence, status } = version;
  return hashOf([platform, appId, taskId, lastSequence, status]);
}

const hashOf = (parts: readonly (string | number)[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);

export function announcementDetail(change: RecordingAnnouncement, state: RecordingState): RecordingEventDetail {
  return { ...state, previousStatus: change.previousStatus, id: change.id };
}
