import type { Platform } from '../platforms';
import { FILE_STATUSES, type FileMention, type RecordingEvent } from './events';

/** Task statuses, ranked: TRTC and SparkRTC status is the maximum rank any applied event implies. */
export const RECORDING_STATUSES = ['recording', 'stopped', 'failed', 'completed'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

/** The facts of one distinct event as the store keeps them. */
export type AppliedEvent = Pick<RecordingEvent, 'eventType' | 'code' | 'seqNo' | 'files' | 'roomId' | 'occurredAt'> & {
  /** When we first applied it (ms). A duplicate never changes it. */
  readonly appliedAt: number;
};

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
  readonly updatedAt: string;
  /** Not finished, and no new event for longer than the stale threshold: an end event was probably lost. */
  readonly stale: boolean;
}

export interface DeriveOptions {
  readonly now: number;
  readonly staleAfterMs: number;
}

/** The identity the store dedupes on, within a recording: same type and same content hash. */
export function eventSortKey(event: Pick<RecordingEvent, 'eventType' | 'eventId'>): string {
  return `EVENT#${event.eventType}#${event.eventId}`;
}

const rank = (status: RecordingStatus): number => RECORDING_STATUSES.indexOf(status);

/**
 * Status is derived from a set of small *status facts*, one or two per event, so that the
 * materialized summary (lib/model/recording-summary.ts) can keep the set instead of every event and
 * still derive exactly what `deriveRecordingState` derives from the events. A set is order- and
 * duplicate-free by construction.
 */
interface StatusRule {
  /** The facts one event contributes. */
  facts(event: AppliedEvent): string[];
  /** The status implied by a set of facts. */
  status(facts: ReadonlySet<string>): RecordingStatus;
}

/**
 * TRTC (PROTOCOLS.md §2): each event implies a status and the task takes the highest, so late or
 * repeated events can never move it backwards. 305 `Status` 0 or 2 means every file is uploaded;
 * 1 means the task ended with files still on the vendor's side.
 */
function trtcEventStatus({ eventType, code }: AppliedEvent): RecordingStatus {
  switch (eventType) {
    case '301':
      return code === null || code === 0 ? 'recording' : 'failed';
    case '302':
      return 'stopped';
    case '305':
      return code === 0 || code === 2 ? 'completed' : 'stopped';
    case '312':
      return code === 0 ? 'completed' : 'failed';
    default:
      return 'recording';
  }
}

const TRTC_RULE: StatusRule = {
  facts: (event) => [trtcEventStatus(event)],
  status: (facts) => {
    let best: RecordingStatus = 'recording';
    for (const fact of facts) if (rank(fact as RecordingStatus) > rank(best)) best = fact as RecordingStatus;
    return best;
  },
};

/**
 * GME (PROTOCOLS.md §3): per segment, 1 started, 2 finished, 3 uploaded. A segment without a 2 is
 * still recording (CONTRACT §4); the task is completed when every segment seen has both 2 and 3.
 * Facts are `<seqNo>:<type>`.
 */
const GME_RULE: StatusRule = {
  facts: ({ seqNo, eventType }) => [`${seqNo ?? 0}:${eventType}`],
  status: (facts) => {
    const segments = new Map<string, Set<string>>();
    for (const fact of facts) {
      const [segment = '', type = ''] = fact.split(':');
      const types = segments.get(segment) ?? new Set<string>();
      types.add(type);
      segments.set(segment, types);
    }
    const states = [...segments.values()];
    if (states.some((types) => !types.has('2'))) return 'recording';
    return states.every((types) => types.has('3')) ? 'completed' : 'stopped';
  },
};

/**
 * SparkRTC (PROTOCOLS.md §4): the task is over on CLOUD_RECORD_SERVER_OVER; it is completed once
 * it is over and at least one file is complete, stopped if it is over with no file seen yet.
 * Facts are the event types.
 */
const SPARKRTC_RULE: StatusRule = {
  facts: ({ eventType }) => [eventType],
  status: (facts) => {
    if (!facts.has('CLOUD_RECORD_SERVER_OVER')) return 'recording';
    return facts.has('RECORD_FILE_COMPLETE') ? 'completed' : 'stopped';
  },
};

const STATUS_RULES: Record<Platform, StatusRule> = {
  trtc: TRTC_RULE,
  gme: GME_RULE,
  sparkrtc: SPARKRTC_RULE,
};

/** The status facts one event contributes to its recording. */
export function statusFacts(platform: Platform, event: AppliedEvent): string[] {
  return STATUS_RULES[platform].facts(event);
}

/** The status a set of facts implies; no facts at all is a recording that has not told us more. */
export function statusFromFacts(platform: Platform, facts: ReadonlySet<string>): RecordingStatus {
  return facts.size === 0 ? 'recording' : STATUS_RULES[platform].status(facts);
}

const fileRank = (file: FileMention): number => FILE_STATUSES.indexOf(file.status);

/** Every file any event names, once by name, each with its furthest status and a URL if any event had one. */
export function mergeFiles(events: readonly AppliedEvent[]): FileMention[] {
  const byName = new Map<string, FileMention>();
  for (const event of events) {
    for (const file of event.files) {
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
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The state of one recording as a pure function of its set of distinct applied events: any order
 * and any duplicates that the store folded away give the same `status`, `files` and `eventCount`.
 */
export function deriveRecordingState(
  key: RecordingKey,
  events: readonly AppliedEvent[],
  options: DeriveOptions,
): RecordingState {
  const status = statusFromFacts(key.platform, new Set(events.flatMap((event) => statusFacts(key.platform, event))));
  const eventTypes: Record<string, number> = {};
  let updatedAt = 0;
  let startedAt: number | null = null;
  let roomId: string | null = null;
  for (const event of events) {
    eventTypes[event.eventType] = (eventTypes[event.eventType] ?? 0) + 1;
    updatedAt = Math.max(updatedAt, event.appliedAt);
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
  };
}

/** Not finished, and silent for longer than the threshold: its end event was probably lost (CONTRACT §7). */
export function isStale(status: RecordingStatus, updatedAt: number, options: DeriveOptions): boolean {
  const finished = status === 'completed' || status === 'failed';
  return !finished && options.now - updatedAt > options.staleAfterMs;
}

/** Not finished: the statuses a stale recording can have. */
export const UNFINISHED_STATUSES = ['recording', 'stopped'] as const satisfies readonly RecordingStatus[];
