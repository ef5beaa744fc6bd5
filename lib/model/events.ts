import type { Platform } from '../platforms';
import type { ReconciliationFact } from './reconciliation';

/** File statuses, ranked: when several events name one file, the highest rank wins. */
export const FILE_STATUSES = ['recording', 'recorded', 'pending_upload', 'failed', 'uploaded'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

export interface FileMention {
  readonly name: string;
  readonly url: string | null;
  readonly status: FileStatus;
}

/**
 * One vendor event about one recording, normalized. The facts (`eventType`, `code`, `seqNo`,
 * `files`) are everything the state derivation reads; the rest of the body only feeds `eventId`.
 */
export interface RecordingEvent {
  readonly kind: 'recording';
  readonly platform: Platform;
  readonly appId: string;
  /** Exact text of the vendor's task id; GME ids exceed 2^53 and are never parsed as numbers. */
  readonly taskId: string;
  readonly roomId: string | null;
  /** The vendor's event type as text: `301`, `1`, `RECORD_FILE_COMPLETE`. */
  readonly eventType: string;
  /** TRTC `Status` or `LeaveCode`; null where the event has none. */
  readonly code: number | null;
  /** GME segment number; null elsewhere. */
  readonly seqNo: number | null;
  readonly files: readonly FileMention[];
  /** When the vendor says the event happened (ms), if it says. */
  readonly occurredAt: number | null;
  /** Hash of the event content without delivery metadata: equal ids are the same event (README, "What counts as the same event"). */
  readonly eventId: string;
  /** Whether this event is listed in the room index. High-volume slice events are not (README, Limits). */
  readonly indexInRoom: boolean;
  /**
   * Set on what the sweep learned rather than what a callback said: a reconciliation fact, or the
   * vendor's own record applied as the callback it mirrors (LiveKit). Neither ends a quiet period.
   */
  readonly reconciled?: boolean;
  /** Set on a reconciliation fact only (README, "Lost callbacks"). */
  readonly reconciliation?: ReconciliationFact;
}

/** The latest known state of a room (Chat `…CallbackAfterUpdateRoomInfo`), last writer wins by `eventTime`. */
export interface RoomEvent {
  readonly kind: 'room';
  readonly platform: Platform;
  readonly appId: string;
  readonly roomId: string;
  /** The vendor's event time (ms), which orders room updates. */
  readonly eventTime: number;
  readonly eventId: string;
  readonly operator: string | null;
  readonly roomInfo: Readonly<Record<string, unknown>>;
}

export type CallbackEvent = RecordingEvent | RoomEvent;

/** What a verified callback means to us: an event to queue, or something we acknowledge and drop. */
export type Interpretation =
  | { readonly kind: 'event'; readonly event: CallbackEvent }
  | { readonly kind: 'unmodelled'; readonly label: string };

/** Labels carry vendor-controlled text into logs and metrics, so they are cut to this length. */
export const MAX_LABEL_LENGTH = 64;

/** A verified callback we acknowledge without modelling it, described by a bounded label. */
export function unmodelled(label: string): Interpretation {
  return { kind: 'unmodelled', label: label.slice(0, MAX_LABEL_LENGTH) };
}
