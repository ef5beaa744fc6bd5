import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { SummaryVersion } from '../../lib/model/recording-event';
import type { RecordingStatus } from '../../lib/model/recording-state';
import { RECORDING_STATUSES } from '../../lib/model/recording-state';
import type { OutboundEvent, PublishFailure, RecordingEventPublisher } from '../../lib/publish/publish-status-changes';
import {
  isSummaryChangeRecord,
  type PublicationDeadLetter,
  type PublicationDeadLetters,
  streamedChangeOf,
} from '../../lib/publish/stream-handler';

/** Platforms whose status only moves forward (README, "Recording events"); GME's can go back to `recording`. */
export const MONOTONE_PLATFORMS: readonly string[] = ['trtc', 'sparkrtc'];

/** Dead letters kept in memory, for unit tests of the publisher's wiring (integration tests use the local DLQ). */
export class MemoryDeadLetters implements PublicationDeadLetters {
  readonly letters: PublicationDeadLetter[] = [];
  failing = false;

  async send(letters: readonly PublicationDeadLetter[]): Promise<void> {
    if (this.failing) throw new Error('simulated SQS outage');
    this.letters.push(...letters);
  }
}

/**
 * An in-memory bus: records every event it accepts, in order, and refuses the ones `refuse` names
 * (with the reason it gives), as EventBridge's partial failures do.
 */
export class FakeBus implements RecordingEventPublisher {
  readonly published: OutboundEvent[] = [];
  calls = 0;
  refused = 0;
  readonly #refuse: (event: OutboundEvent, call: number) => string | undefined;

  constructor(refuse: (event: OutboundEvent, call: number) => string | undefined = () => undefined) {
    this.#refuse = refuse;
  }

  async publish(events: readonly OutboundEvent[]): Promise<PublishFailure[]> {
    this.calls += 1;
    const failures: PublishFailure[] = [];
    for (const event of events) {
      const reason = this.#refuse(event, this.calls);
      if (reason === undefined) this.published.push(event);
      else failures.push({ id: event.id, reason });
    }
    this.refused += failures.length;
    return failures;
  }
}

export const recordingOf = (event: Pick<OutboundEvent, 'detail'>) =>
  `${event.detail.platform}#${event.detail.appId}#${event.detail.taskId}`;

export interface PublicationFigures {
  recordings: number;
  /** Every publication, retries included. */
  publications: number;
  /** Distinct `detail.id`s published. */
  distinctIds: number;
  /** Expected changes never published. */
  lost: number;
  /** Ids published with different content, or changes published under more than one id. */
  idsChanged: number;
  /** Backward steps in what a consumer deduping on `detail.id` sees, for monotone platforms. */
  regressions: number;
  /** Recordings whose last publication does not carry their final status. */
  wrongLast: number;
  /** Deduped events whose `previousStatus` is not the status of the event before them. */
  brokenChains: number;
}

const rank = (status: RecordingStatus) => RECORDING_STATUSES.indexOf(status);

/**
 * Checks what was published against the contract (README, "Recording events"): `expected` gives, per recording,
 * its final status and, when known, the ids of every change it went through.
 */
export function checkPublications(
  published: readonly Pick<OutboundEvent, 'detail'>[],
  expected: ReadonlyMap<string, { finalStatus: RecordingStatus; changeIds?: readonly string[] }>,
): PublicationFigures {
  const byRecording = new Map<string, Pick<OutboundEvent, 'detail'>[]>();
  for (const event of published)
    byRecording.set(recordingOf(event), [...(byRecording.get(recordingOf(event)) ?? []), event]);
  const contentById = new Map<string, string>();
  const idsByVersion = new Map<string, Set<string>>();
  let idsChanged = 0;
  for (const { detail } of published) {
    const content = JSON.stringify([recordingOf({ detail }), detail.status, detail.previousStatus, detail.eventCount]);
    const seen = contentById.get(detail.id);
    if (seen !== undefined && seen !== content) idsChanged += 1;
    contentById.set(detail.id, content);
    const version = JSON.stringify([recordingOf({ detail }), detail.eventCount, detail.status]);
    idsByVersion.set(version, (idsByVersion.get(version) ?? new Set()).add(detail.id));
  }
  for (const ids of idsByVersion.values()) idsChanged += ids.size - 1;

  let lost = 0;
  let regressions = 0;
  let wrongLast = 0;
  let brokenChains = 0;
  for (const [recording, { finalStatus, changeIds }] of expected) {
    const events = byRecording.get(recording) ?? [];
    const ids = new Set(events.map((event) => event.detail.id));
    lost += changeIds ? changeIds.filter((id) => !ids.has(id)).length : events.length === 0 ? 1 : 0;
    if (events[events.length - 1]?.detail.status !== finalStatus) wrongLast += 1;
    const seen = new Set<string>();
    const deduped = events.filter((event) => !seen.has(event.detail.id) && seen.add(event.detail.id));
    deduped.forEach((event, index) => {
      const before = deduped[index - 1]?.detail.status ?? null;
      if (event.detail.previousStatus !== before) brokenChains += 1;
      if (
        before !== null &&
        MONOTONE_PLATFORMS.includes(event.detail.platform) &&
        rank(event.detail.status) < rank(before)
      )
        regressions += 1;
    });
  }
  return {
    recordings: expected.size,
    publications: published.length,
    distinctIds: contentById.size,
    lost,
    idsChanged,
    regressions,
    wrongLast,
    brokenChains,
  };
}

/**
 * A publication reader without a table: no summary for stale notices, and for a version as many
 * files as its `fileCount` says (up to a page), as the projector's file items would give.
 */
export const TABLELESS_READER = {
  getSummaryVersion: async () => null,
  versionFiles: async (version: Pick<SummaryVersion, 'fileCount'>, limit: number) => ({
    files: Array.from({ length: Math.min(version.fileCount, limit) }, (_, index) => ({
      name: `file-${String(index).padStart(3, '0')}.mp4`,
      url: null,
      status: 'uploaded' as const,
    })),
    nextCursor: version.fileCount > limit ? 'more' : null,
  }),
};

export const PERFECT = { lost: 0, idsChanged: 0, regressions: 0, wrongLast: 0, brokenChains: 0 } as const;

/**
 * A reader of the summary stream that only notes the changes each record announces (the pure
 * decision): what the publisher must publish, per recording, and each recording's last status.
 */
export function changeCollector() {
  const expected = new Map<string, { finalStatus: RecordingStatus; changeIds: string[] }>();
  const handler = async (event: DynamoDBStreamEvent) => {
    for (const record of event.Records.filter(isSummaryChangeRecord)) {
      const streamed = streamedChangeOf(record);
      if (!streamed) continue;
      const { change } = streamed;
      const recording = `${change.summary.platform}#${change.summary.appId}#${change.summary.taskId}`;
      const known = expected.get(recording);
      expected.set(recording, {
        finalStatus: change.summary.status,
        changeIds: [...(known?.changeIds ?? []), change.id],
      });
    }
    return { batchItemFailures: [] };
  };
  return { handler, expected };
}
