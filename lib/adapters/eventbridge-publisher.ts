import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { OutboundEvent, PublishFailure, RecordingEventPublisher } from '../publish/publish-status-changes';

/** PutEvents takes at most 10 entries per call (EventBridge quotas). */
const MAX_ENTRIES_PER_CALL = 10;
/** PutEvents takes at most 256 KB of entries per call, counted as below. */
const MAX_BYTES_PER_CALL = 256 * 1024;

export interface EventBridgePublisherOptions {
  client: EventBridgeClient;
  /** A bus name or ARN. */
  eventBusName: string;
}

/**
 * Publishes recording events to an EventBridge bus: calls of at most 10 entries and 256 KB, sent
 * at once; an entry with an `ErrorCode` (a partial failure, `FailedEntryCount` > 0) or in a call
 * that failed as a whole is returned for the caller to retry.
 */
export class EventBridgePublisher implements RecordingEventPublisher {
  readonly #client: EventBridgeClient;
  readonly #eventBusName: string;

  constructor(options: EventBridgePublisherOptions) {
    this.#client = options.client;
    this.#eventBusName = options.eventBusName;
  }

  async publish(events: readonly OutboundEvent[]): Promise<PublishFailure[]> {
    const calls = await Promise.all(chunkEntries(events).map((chunk) => this.#putEvents(chunk)));
    return calls.flat();
  }

  async #putEvents(events: readonly OutboundEvent[]): Promise<PublishFailure[]> {
    try {
      const { FailedEntryCount: failed = 0, Entries: results = [] } = await this.#client.send(
        new PutEventsCommand({ Entries: events.map((event) => this.#toEntry(event)) }),
      );
      if (failed === 0) return [];
      // Results are in the order of the request's entries (PutEvents API reference).
      return events.flatMap((event, index) => {
        const code = results[index]?.ErrorCode;
        return code === undefined ? [] : [{ id: event.id, reason: code }];
      });
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'unknown';
      return events.map((event) => ({ id: event.id, reason }));
    }
  }

  #toEntry(event: OutboundEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.#eventBusName,
      Source: event.source,
      DetailType: event.detailType,
      Time: event.time,
      Detail: JSON.stringify(event.detail),
    };
  }
}

/** An entry's size as EventBridge counts it: 14 bytes for the time, plus its UTF-8 text fields. */
function entrySize(event: OutboundEvent): number {
  return (
    14 +
    Buffer.byteLength(event.source) +
    Buffer.byteLength(event.detailType) +
    Buffer.byteLength(JSON.stringify(event.detail))
  );
}

/** Groups events into PutEvents calls within both limits, keeping their order. */
function chunkEntries(events: readonly OutboundEvent[]): OutboundEvent[][] {
  const chunks: OutboundEvent[][] = [];
  let current: OutboundEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = entrySize(event);
    if (current.length === MAX_ENTRIES_PER_CALL || (current.length > 0 && bytes + size > MAX_BYTES_PER_CALL)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
