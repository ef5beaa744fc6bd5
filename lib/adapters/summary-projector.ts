import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { DEFAULT_RETENTION_DAYS } from '../config/defaults';
import type { FileMention } from '../model/events';
import { type RecordingKey, segmentFacts } from '../model/recording-state';
import {
  additionsInOrder,
  foldIntoSummary,
  legacySegments,
  type RecordingSummary,
  type SummaryAddition,
} from '../model/recording-summary';
import type { StatusRules } from '../model/status-rule';
import type { ProjectionFailure, ProjectionResult, StreamedEvent, SummaryFolder } from '../project/stream-handler';
import {
  DAY_MS,
  EVENT_PREFIX,
  EVERY_VERSION,
  type EventItem,
  expiryTime,
  FILE_PREFIX,
  fileSortKey,
  isLegacySummaryItem,
  LEGACY_SEGMENT_OWNER,
  type LegacySummaryItem,
  recordingPartitionKey,
  SUMMARY_SORT_KEY,
  type SummaryItem,
  segmentOwnerAttribute,
  segmentSortKey,
  sequenceText,
  toAppliedEvent,
  toSummary,
  toSummaryItem,
} from './table-layout';

export interface RebuildResult {
  readonly key: RecordingKey;
  readonly before: RecordingSummary | null;
  readonly after: RecordingSummary;
  /** The summary differed from the one derived from the events. */
  readonly changed: boolean;
  /** The summary item was in the previous release's shape (every field at the top level) and is rewritten. */
  readonly reshaped: boolean;
  /** File items under a key other than their name's (an earlier release's scheme), moved to it. */
  readonly migratedFiles: number;
}

/** Another writer updated the summary between our read and our write; the stream retries the batch. */
export class SummaryConflictError extends Error {
  constructor(partitionKey: string) {
    super(`summary of ${partitionKey} changed while it was being updated`);
    this.name = 'SummaryConflictError';
  }
}

export interface SummaryProjectorOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Each platform's status rule (the registry's `STATUS_RULES`). */
  statusRules: StatusRules;
  retentionDays?: number;
  /** File items written at once, per recording. */
  fileConcurrency?: number;
  /** The clock for expiry times (tests inject one). */
  now?: () => number;
}

/**
 * Keeps each recording's summary and file items from the new event items on the table's stream
 * (the DynamoDB Streams projector of README, "Data model").
 *
 * Per recording and batch: one consistent read of the summary, one idempotent update per file
 * named and per segment (GME) an event speaks of, one conditional put of the summary. The summary
 * carries the stream sequence of the last event folded in, so a redelivered record is skipped and
 * each event is folded exactly once; a crash between any two of these writes is repaired by the
 * redelivery.
 */
export class SummaryProjector implements SummaryFolder {
  readonly #client: DynamoDBDocumentClient;
  readonly #statusRules: StatusRules;
  readonly #now: () => number;
  readonly #tableName: string;
  readonly #retentionMs: number;
  readonly #fileConcurrency: number;

  constructor(options: SummaryProjectorOptions) {
    this.#client = options.client;
    this.#statusRules = options.statusRules;
    this.#now = options.now ?? Date.now;
    this.#tableName = options.tableName;
    this.#retentionMs = (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * DAY_MS;
    this.#fileConcurrency = options.fileConcurrency ?? 25;
  }

  /** Folds new events into their summaries; a recording that fails does not stop the others. */
  async project(events: readonly StreamedEvent[]): Promise<ProjectionResult> {
    const byRecording = new Map<string, StreamedEvent[]>();
    for (const event of events) {
      const group = byRecording.get(event.item.pk) ?? [];
      group.push(event);
      byRecording.set(event.item.pk, group);
    }
    let folded = 0;
    let skipped = 0;
    const failures: ProjectionFailure[] = [];
    await Promise.all(
      [...byRecording].map(async ([partitionKey, group]) => {
        try {
          const count = await this.#projectRecording(group);
          folded += count;
          skipped += group.length - count;
        } catch (error) {
          failures.push({ partitionKey, firstSequence: group[0]?.sequence ?? '', error });
        }
      }),
    );
    return { folded, skipped, failures };
  }

  async #projectRecording(group: readonly StreamedEvent[]): Promise<number> {
    const [{ item: first } = { item: undefined }] = group;
    if (!first) return 0;
    const key: RecordingKey = { platform: first.platform, appId: first.appId, taskId: first.taskId };
    const current = await this.#readSummary(first.pk);
    const after = current?.lastSequence ?? '';
    const fresh = group
      .map((event) => ({ ...event, sequence: sequenceText(event.sequence) }))
      .filter((event) => event.sequence > after)
      .sort((a, b) => (a.sequence < b.sequence ? -1 : 1));
    if (fresh.length === 0) return 0;

    // A summary of the previous release: its segments get their items before any event may claim them.
    if (current) await this.#writeLegacySegments(current);
    const additions: SummaryAddition[] = await mapWithConcurrency(
      fresh,
      Math.max(1, Math.floor(this.#fileConcurrency / 4)),
      async ({ item, sequence }) => {
        const [newFileCount, newSegmentFacts] = await Promise.all([
          this.#writeFiles(item, sequence),
          this.#writeSegment(item),
        ]);
        return { event: toAppliedEvent(item), newFileCount, newSegmentFacts };
      },
    );
    const summary = foldIntoSummary(key, current ? toSummary(current) : null, additions, this.#statusRules);
    const lastSequence = fresh[fresh.length - 1]?.sequence ?? after;
    await this.#writeSummary(toSummaryItem(summary, lastSequence, this.#retentionMs, current ?? null), current);
    return fresh.length;
  }

  /**
   * Names each file once; returns how many names this event was the first to name. `sequence`, the
   * event's stream position, marks the summary versions the file belongs to (`fileInVersion`); a
   * rebuild gives `EVERY_VERSION`, since every version it writes holds all the files.
   */
  async #writeFiles(item: Pick<EventItem, 'pk' | 'sk' | 'files'>, sequence: string): Promise<number> {
    const byName = new Map<string, FileMention[]>();
    for (const file of item.files ?? []) byName.set(file.name, [...(byName.get(file.name) ?? []), file]);
    const owned = await mapWithConcurrency([...byName], this.#fileConcurrency, async ([name, mentions]) => {
      const urls = mentions.map((file) => file.url).filter((url): url is string => url !== null);
      const { Attributes: written } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { pk: item.pk, sk: fileSortKey(name) },
          // Statuses and URLs are sets, so writing a mention twice, or in any order, is the same.
          UpdateExpression: `SET #name = :name, firstEventSk = if_not_exists(firstEventSk, :sk), firstSequence = if_not_exists(firstSequence, :sequence), expiresAt = :expiresAt ADD statuses :statuses${urls.length > 0 ? ', urls :urls' : ''}`,
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: {
            ':name': name,
            ':sk': item.sk,
            ':expiresAt': expiryTime(this.#now(), this.#retentionMs),
            ':statuses': new Set(mentions.map((file) => file.status)),
            ':sequence': sequence,
            ...(urls.length > 0 && { ':urls': new Set(urls) }),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      // Named first by another event, yet stamped with this one's position: the item was written by an
      // earlier release, which kept no position. It belongs to every version already announced.
      if (written?.firstEventSk !== item.sk && written?.firstSequence === sequence && sequence !== EVERY_VERSION) {
        await this.#markInEveryVersion(item.pk, fileSortKey(name), sequence);
      }
      return written?.firstEventSk === item.sk;
    });
    return owned.filter(Boolean).length;
  }

  async #markInEveryVersion(partitionKey: string, sortKey: string, stamped: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { pk: partitionKey, sk: sortKey },
          UpdateExpression: 'SET firstSequence = :every',
          ConditionExpression: 'firstSequence = :stamped',
          ExpressionAttributeValues: { ':every': EVERY_VERSION, ':stamped': stamped },
        }),
      );
    } catch (error) {
      // Another writer already set it right.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Records in the event's segment item which of its segment facts it is the first to bring (an
   * owner per fact, `if_not_exists`), and returns those: only they are counted. Idempotent, and a
   * redelivered event finds itself the owner again, so a crash before the summary's put is repaired.
   */
  async #writeSegment(item: EventItem): Promise<string[]> {
    const brought = segmentFacts(this.#statusRules[item.platform], toAppliedEvent(item));
    if (!brought || brought.facts.length === 0) return [];
    const owners = await this.#claimSegment(item.pk, brought.segment, brought.facts, item.sk);
    return brought.facts.filter((fact) => owners[segmentOwnerAttribute(fact)] === item.sk);
  }

  /** Gives the segment facts a summary of the previous release counted an owner that no event is. */
  async #writeLegacySegments(item: SummaryItem | LegacySummaryItem): Promise<void> {
    const summary = toSummary(item);
    const segments = legacySegments(this.#statusRules, summary);
    await mapWithConcurrency([...segments], this.#fileConcurrency, ([segment, facts]) =>
      this.#claimSegment(item.pk, segment, facts, LEGACY_SEGMENT_OWNER),
    );
  }

  async #claimSegment(
    partitionKey: string,
    segment: string,
    facts: readonly string[],
    owner: string,
  ): Promise<Record<string, unknown>> {
    const names = Object.fromEntries(facts.map((fact, index) => [`#o${index}`, segmentOwnerAttribute(fact)]));
    const { Attributes: written = {} } = await this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { pk: partitionKey, sk: segmentSortKey(segment) },
        UpdateExpression: `SET ${Object.keys(names)
          .map((name) => `${name} = if_not_exists(${name}, :owner)`)
          .join(', ')}, expiresAt = :expiresAt`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':owner': owner,
          ':expiresAt': expiryTime(this.#now(), this.#retentionMs),
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return written;
  }

  async #readSummary(partitionKey: string): Promise<SummaryItem | LegacySummaryItem | undefined> {
    const { Item: item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: { pk: partitionKey, sk: SUMMARY_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    return item as SummaryItem | LegacySummaryItem | undefined;
  }

  /** Puts the summary only if nobody changed it since `current` was read (optimistic concurrency). */
  async #writeSummary(item: SummaryItem, current: Pick<SummaryItem, 'lastSequence'> | undefined): Promise<void> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: item,
          ...(current
            ? {
                ConditionExpression: 'lastSequence = :read',
                ExpressionAttributeValues: { ':read': current.lastSequence },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new SummaryConflictError(item.pk);
      throw error;
    }
  }

  /**
   * Recomputes one recording's summary and file items from its event items (the event-sourcing
   * safety net), rewrites a summary item of the previous release in this release's shape, and moves
   * file items keyed by an earlier scheme to their name-order key (`fileSortKey`).
   * Idempotent; with `dryRun` it only reports.
   */
  async rebuild(key: RecordingKey, options: { dryRun?: boolean } = {}): Promise<RebuildResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#rebuildOnce(key, options);
      } catch (error) {
        // The projector folded an event in meanwhile: read everything again.
        if (!(error instanceof SummaryConflictError) || attempt >= 3) throw error;
      }
    }
  }

  async #rebuildOnce(key: RecordingKey, options: { dryRun?: boolean }): Promise<RebuildResult> {
    const partitionKey = recordingPartitionKey(key);
    // Read before the events: an event the projector folds in after this read makes the conditional
    // put below fail (and the rebuild start again), instead of being dropped from the summary.
    const current = await this.#readSummary(partitionKey);
    const items: EventItem[] = [];
    const pages = paginateQuery(
      { client: this.#client, pageSize: 1000 },
      {
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':pk': partitionKey, ':events': EVENT_PREFIX },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...((page.Items ?? []) as EventItem[]));
    items.sort((a, b) => (a.sk < b.sk ? -1 : 1));

    const after = foldIntoSummary(
      key,
      null,
      additionsInOrder(this.#statusRules, key, items.map(toAppliedEvent)),
      this.#statusRules,
    );
    const before = current ? toSummary(current) : null;
    const changed = before === null || !sameSummary(before, after);
    const reshaped = current !== undefined && isLegacySummaryItem(current);
    const { misplaced, latestSequence } = await this.#fileItems(partitionKey);
    if (!options.dryRun) {
      // A summary that matches its events had its file and segment items written before it (the
      // projector's order), unless some file items are under an old key: then every name's item is written
      // under its key, then the old ones go. One of the previous release (GME facts per segment) differs,
      // so it gets its segment items.
      if (changed || misplaced.length > 0) {
        await mapWithConcurrency(items, Math.max(1, Math.floor(this.#fileConcurrency / 4)), (item) =>
          Promise.all([this.#writeFiles(item, EVERY_VERSION), this.#writeSegment(item)]),
        );
      }
      await mapWithConcurrency(misplaced, this.#fileConcurrency, (sk) =>
        this.#client.send(new DeleteCommand({ TableName: this.#tableName, Key: { pk: partitionKey, sk } })),
      );
      if (changed || reshaped) {
        // The rebuilt version folds every event in the table, so it is at least as late as any file's
        // first event (one whose batch the projector gave up on, say): its files are all in it.
        const read = current?.lastSequence ?? '';
        const lastSequence = latestSequence > read ? latestSequence : read;
        const item = toSummaryItem(after, lastSequence, this.#retentionMs, current ?? null);
        await this.#writeSummary(item, current);
      }
    }
    return { key, before, after, changed, reshaped, migratedFiles: misplaced.length };
  }

  /**
   * Sort keys of the recording's file items that are not their name's key (an earlier release's
   * scheme), and the latest stream position a file item was first named at.
   */
  async #fileItems(partitionKey: string): Promise<{ misplaced: string[]; latestSequence: string }> {
    const misplaced: string[] = [];
    let latestSequence = EVERY_VERSION;
    const pages = paginateQuery(
      { client: this.#client, pageSize: 1000 },
      {
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :files)',
        ExpressionAttributeValues: { ':pk': partitionKey, ':files': FILE_PREFIX },
        ProjectionExpression: 'sk, #name, firstSequence',
        ExpressionAttributeNames: { '#name': 'name' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (item.sk !== fileSortKey(item.name as string)) misplaced.push(item.sk as string);
        const sequence = (item.firstSequence as string | undefined) ?? EVERY_VERSION;
        if (sequence > latestSequence) latestSequence = sequence;
      }
    }
    return { misplaced, latestSequence };
  }
}

function sameSummary(a: RecordingSummary, b: RecordingSummary): boolean {
  const canonical = (summary: RecordingSummary) =>
    JSON.stringify({
      ...summary,
      eventTypes: Object.entries(summary.eventTypes).sort(),
      segmentCounts: Object.entries(summary.segmentCounts ?? {}).sort(),
    });
  return canonical(a) === canonical(b);
}

async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
