import { compareSequences } from '../adapters/table-layout';
import { DEFAULT_STALE_AFTER_HOURS, HOUR_MS } from '../config/defaults';
import {
  announcementDetail,
  RECORDING_EVENT_SOURCE,
  type RecordingAnnouncement,
  type RecordingEventDetail,
  type RecordingEventType,
} from '../model/recording-event';
import { FIRST_FILES_PAGE, type FilePage, summaryToState } from '../model/recording-summary';

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

/**
 * No event can describe this version within the contract (its files page contradicts its
 * `fileCount`, or its detail exceeds an EventBridge entry). Retrying cannot change that: the
 * publish handler dead-letters the record at once.
 */
export class DetailNotBuiltError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DetailNotBuiltError';
  }
}

/** An announcement (a status change or a stale notice) and the stream record that carried it. */
export interface AnnouncementRecord {
  readonly sequence: string;
  readonly change: RecordingAnnouncement;
}

/** An announcement with the first page of files of the summary version it describes: all an event needs. */
export interface StreamedAnnouncement extends AnnouncementRecord {
  readonly versionPage: FilePage;
}

export interface PublishLogger {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface PublishStatusChangesOptions {
  publisher: RecordingEventPublisher;
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

/** A change no event can describe (a detail too large, files contradicting `fileCount`): never retried. */
export interface UnbuildableChange {
  readonly sequence: string;
  readonly id: string;
  readonly reason: string;
}

export interface PublishResult {
  readonly published: number;
  /** The earliest stream sequence not published because the bus refused it: the stream must retry from there. */
  readonly retryFrom: string | undefined;
  /** Changes that can never be published, to be dead-lettered by the caller; the others went on without them. */
  readonly unbuildable: readonly UnbuildableChange[];
}

/** A `detail` this size leaves room for the envelope in EventBridge's 256 KB entry. */
export const MAX_DETAIL_BYTES = 240_000;

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
  // Every event is built first (pure: the detail is the version's own). Building is deterministic,
  // so a change that cannot be built never will be: it is set aside for its dead letter at once,
  // and its batch-mates go on, each published once.
  const ready: { sequence: string; event: OutboundEvent }[] = [];
  const unbuildable: UnbuildableChange[] = [];
  for (const streamed of changes) {
    try {
      ready.push({ sequence: streamed.sequence, event: toOutboundEvent(streamed, options) });
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown';
      unbuildable.push({ sequence: streamed.sequence, id: streamed.change.id, reason });
      options.logger.warn('recording event cannot be built: dead-lettered', {
        id: streamed.change.id,
        sequence: streamed.sequence,
        platform: streamed.change.summary.platform,
        appId: streamed.change.summary.appId,
        taskId: streamed.change.summary.taskId,
        error: reason,
      });
      options.onFailed?.({ id: streamed.change.id, reason: 'DetailNotBuilt' });
    }
  }
  const queues = new Map<string, { sequence: string; event: OutboundEvent }[]>();
  for (const entry of ready) {
    const { platform, appId, taskId } = entry.event.detail;
    const recording = JSON.stringify([platform, appId, taskId]);
    queues.set(recording, [...(queues.get(recording) ?? []), entry]);
  }
  const attempts = new Map<string, number>();
  const stopped = new Set<string>();
  let published = 0;
  let failedRounds = 0;
  for (;;) {
    const heads = [...queues].flatMap(([recording, queue]) =>
      stopped.has(recording) || queue[0] === undefined ? [] : [{ recording, event: queue[0].event }],
    );
    if (heads.length === 0) break;
    const failures = new Map(
      (await options.publisher.publish(heads.map(({ event }) => event))).map((failure) => [failure.id, failure]),
    );
    for (const { recording, event } of heads) {
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
  return { published, retryFrom: unpublished.sort(compareSequences)[0], unbuildable };
}

/**
 * The event of one announcement, all of it from the summary version it names: its status, its
 * `fileCount` and the files page of that version (`versionPage`), so `files.length` is
 * `min(fileCount, FIRST_FILES_PAGE)` however late it is published. Never trimmed: a detail that
 * does not fit in an entry is a `DetailNotBuiltError`, and the record is dead-lettered.
 */
export function toOutboundEvent(
  { change, versionPage }: Pick<StreamedAnnouncement, 'change' | 'versionPage'>,
  options: Pick<PublishStatusChangesOptions, 'staleAfterHours' | 'now'>,
): OutboundEvent {
  const { summary } = change;
  const staleAfterHours = options.staleAfterHours ?? DEFAULTS.staleAfterHours;
  const derive = { now: (options.now ?? Date.now)(), staleAfterMs: staleAfterHours * HOUR_MS };
  const files = versionPage.files;
  if (files.length !== Math.min(summary.fileCount, FIRST_FILES_PAGE)) {
    throw new DetailNotBuiltError(
      `summary version ${summary.lastSequence} has ${files.length} file items for a fileCount of ${summary.fileCount}; run npm run rebuild-views`,
    );
  }
  const detail = announcementDetail(change, summaryToState(summary, versionPage, derive));
  const bytes = Buffer.byteLength(JSON.stringify(detail));
  if (bytes > MAX_DETAIL_BYTES) {
    throw new DetailNotBuiltError(`detail of ${bytes} bytes exceeds ${MAX_DETAIL_BYTES} (${files.length} files)`);
  }
  return {
    id: change.id,
    source: RECORDING_EVENT_SOURCE,
    detailType: change.detailType,
    time: new Date(change.time),
    detail,
  };
}
