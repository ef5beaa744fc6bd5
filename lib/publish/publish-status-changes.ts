import { DEFAULT_STALE_AFTER_HOURS, HOUR_MS } from '../config/defaults';
import {
  announcementDetail,
  RECORDING_EVENT_SOURCE,
  type RecordingAnnouncement,
  type RecordingEventDetail,
  type RecordingEventType,
} from '../model/recording-event';
import type { RecordingKey } from '../model/recording-state';
import { type FilePage, summaryToState } from '../model/recording-summary';

/** An event for the bus: EventBridge's entry fields, with our stable id to match failures back. */
export interface OutboundEvent {
  readonly id: string;
  readonly source: typeof RECORDING_EVENT_SOURCE;
  readonly detailType: RecordingEventType;
  /** When the change or the notice was written (`RecordingAnnouncement.time`), the same on every retry. */
  readonly time: Date;
  readonly detail: RecordingEventDetail;
}

export interface PublishFailure {
  readonly id: string;
  /** An error code or HTTP status; never a payload or a secret. */
  readonly reason: string;
}

/** Where recording events go: an EventBridge bus in AWS; the log and an optional URL locally. */
export interface RecordingEventPublisher {
  /** Publishes every event it can and returns those not accepted, for the caller to retry. */
  publish(events: readonly OutboundEvent[]): Promise<PublishFailure[]>;
}

/** The files a `detail` carries (the store's paged files route). */
export interface RecordingFiles {
  listFiles(key: RecordingKey, page: { limit: number }): Promise<FilePage>;
}

/** An announcement (a status change or a stale notice) and the stream record that carried it. */
export interface StreamedAnnouncement {
  readonly sequence: string;
  readonly change: RecordingAnnouncement;
}

export interface PublishLogger {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface PublishStatusChangesOptions {
  publisher: RecordingEventPublisher;
  files: RecordingFiles;
  logger: PublishLogger;
  onPublished?: (event: OutboundEvent) => void;
  onFailed?: (failure: PublishFailure) => void;
  /** A change not accepted after this many attempts is left to the stream's retries. */
  maxAttempts?: number;
  /** Backoff before the n-th retry: `baseDelayMs × 2^(n-1)`, with full jitter. */
  baseDelayMs?: number;
  /** As the query function's `STALE_AFTER_HOURS`: `detail.stale` is the state's `stale`. */
  staleAfterHours?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PublishResult {
  readonly published: number;
  /** The earliest stream sequence not published: the stream must retry from there. */
  readonly retryFrom: string | undefined;
}

/** A `detail` this size leaves room for the envelope in EventBridge's 256 KB entry. */
export const MAX_DETAIL_BYTES = 240_000;
const DEFAULT_DETAIL_FILES = 100;

const DEFAULTS = { maxAttempts: 4, baseDelayMs: 100, staleAfterHours: DEFAULT_STALE_AFTER_HOURS } as const;

/**
 * Publishes a batch of status changes, at least once and in order per recording: each round sends
 * the oldest unpublished change of every recording, so a later change of a recording is never
 * published before an earlier one that failed. Entries that fail are retried with backoff; after
 * `maxAttempts` the recording stops and `retryFrom` tells the stream where to resume.
 */
export async function publishStatusChanges(
  changes: readonly StreamedAnnouncement[],
  options: PublishStatusChangesOptions,
): Promise<PublishResult> {
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  const baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const queues = new Map<string, StreamedAnnouncement[]>();
  for (const streamed of changes) {
    const { platform, appId, taskId } = streamed.change.summary;
    const recording = JSON.stringify([platform, appId, taskId]);
    queues.set(recording, [...(queues.get(recording) ?? []), streamed]);
  }
  const attempts = new Map<string, number>();
  const stopped = new Set<string>();
  let published = 0;
  let failedRounds = 0;
  for (;;) {
    const heads = [...queues].flatMap(([recording, queue]) =>
      stopped.has(recording) || queue.length === 0 ? [] : [{ recording, head: queue[0] as StreamedAnnouncement }],
    );
    if (heads.length === 0) break;
    const built = await Promise.all(
      heads.map(async ({ recording, head }) => {
        try {
          return { recording, event: await toOutboundEvent(head.change, options) };
        } catch (error) {
          options.logger.warn('recording event not built, left for the stream to retry', {
            id: head.change.id,
            error: error instanceof Error ? error.name : 'unknown',
          });
          stopped.add(recording);
          return undefined;
        }
      }),
    );
    const ready = built.filter((entry) => entry !== undefined);
    const failures = new Map(
      (await options.publisher.publish(ready.map(({ event }) => event))).map((failure) => [failure.id, failure]),
    );
    for (const { recording, event } of ready) {
      const failure = failures.get(event.id);
      if (failure === undefined) {
        queues.get(recording)?.shift();
        published += 1;
        options.onPublished?.(event);
        options.logger.info('recording event published', {
          id: event.id,
          detailType: event.detailType,
          platform: event.detail.platform,
          appId: event.detail.appId,
          taskId: event.detail.taskId,
          status: event.detail.status,
          previousStatus: event.detail.previousStatus,
          eventCount: event.detail.eventCount,
        });
        continue;
      }
      options.onFailed?.(failure);
      const attempt = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, attempt);
      options.logger.warn('recording event not accepted', { id: event.id, reason: failure.reason, attempt });
      if (attempt >= maxAttempts) stopped.add(recording);
    }
    if (failures.size > 0 && [...queues.keys()].some((recording) => !stopped.has(recording))) {
      failedRounds += 1;
      await sleep(Math.random() * baseDelayMs * 2 ** (failedRounds - 1));
    }
  }
  const unpublished = [...stopped].flatMap((recording) => queues.get(recording)?.[0]?.sequence ?? []);
  return { published, retryFrom: unpublished.sort(bySequence)[0] };
}

/** The detail with its first page of files, halving the page until it fits in an entry. */
async function toOutboundEvent(
  change: RecordingAnnouncement,
  options: PublishStatusChangesOptions,
): Promise<OutboundEvent> {
  const { summary } = change;
  const staleAfterHours = options.staleAfterHours ?? DEFAULTS.staleAfterHours;
  const derive = { now: (options.now ?? Date.now)(), staleAfterMs: staleAfterHours * HOUR_MS };
  let limit = DEFAULT_DETAIL_FILES;
  for (;;) {
    const files = await options.files.listFiles(summary, { limit });
    const detail = announcementDetail(change, summaryToState(summary, files, derive));
    if (Buffer.byteLength(JSON.stringify(detail)) <= MAX_DETAIL_BYTES || limit === 1) {
      return {
        id: change.id,
        source: RECORDING_EVENT_SOURCE,
        detailType: change.detailType,
        time: new Date(change.time),
        detail,
      };
    }
    limit = Math.ceil(limit / 2);
  }
}

/** Stream sequence numbers are decimal strings of varying length. */
const bySequence = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
