import type { RecordingEvent, RoomEvent } from '../model/events';
import { eventSortKey, type RecordingKey } from '../model/recording-state';
import type { ApplyOutcome, EventWriter } from '../process/process-callback';
import { CONDITIONS, DynamoDbTable } from './dynamodb-table';
import {
  type EventItem,
  expiryTime,
  ROOM_ITEM_SORT_KEY,
  recordingPartitionKey,
  roomPartitionKey,
  type StaleNoticeItem,
  staleNoticeSortKey,
} from './table-layout';

/**
 * What process writes (README, "Data model"): each distinct event once, with one conditional put.
 * A `ConditionalCheckFailed` *is* the dedupe, so process spends exactly one write and no read per
 * event; the stale notices of the sweep and the room info are written the same way.
 */
export class DynamoDbEventWriter extends DynamoDbTable implements EventWriter {
  async applyRecordingEvent(event: RecordingEvent, receivedAt: number): Promise<ApplyOutcome> {
    const appliedAt = this.now();
    const item: EventItem & { expiresAt: number } = {
      pk: recordingPartitionKey(event),
      sk: eventSortKey(event),
      platform: event.platform,
      appId: event.appId,
      taskId: event.taskId,
      eventType: event.eventType,
      code: event.code ?? undefined,
      seqNo: event.seqNo ?? undefined,
      files: event.files.length > 0 ? [...event.files] : undefined,
      roomId: event.roomId ?? undefined,
      occurredAt: event.occurredAt ?? undefined,
      receivedAt,
      appliedAt,
      reconciled: event.reconciled || undefined,
      reconciliation: event.reconciliation,
      expiresAt: expiryTime(appliedAt, this.retentionMs),
    };
    // Anything but `true` is the refusal (with the existing item when DynamoDB returns it).
    return (await this.putIfAbsent(item, CONDITIONS.itemIsNew)) === true ? 'applied' : 'duplicate';
  }

  /** Records that a quiet period was found stale (README, "Lost callbacks"): once per period, so it is announced once. */
  async markStale(key: RecordingKey, quietSince: number): Promise<'applied' | 'duplicate'> {
    const notedAt = this.now();
    const item: StaleNoticeItem = {
      pk: recordingPartitionKey(key),
      sk: staleNoticeSortKey(quietSince),
      platform: key.platform,
      appId: key.appId,
      taskId: key.taskId,
      quietSince,
      notedAt,
      expiresAt: expiryTime(notedAt, this.retentionMs),
    };
    return (await this.putIfAbsent(item, CONDITIONS.itemIsNew)) === true ? 'applied' : 'duplicate';
  }

  /** Room info is last-writer-wins by the vendor's EventTime; ties go to the larger event id. */
  async applyRoomEvent(event: RoomEvent): Promise<ApplyOutcome> {
    const appliedAt = this.now();
    const item = {
      pk: roomPartitionKey(event.platform, event.appId, event.roomId),
      sk: ROOM_ITEM_SORT_KEY,
      platform: event.platform,
      appId: event.appId,
      roomId: event.roomId,
      eventTime: event.eventTime,
      eventId: event.eventId,
      operator: event.operator ?? undefined,
      // As JSON text: a vendor's object may nest deeper than a DynamoDB map (32 levels) or hold
      // numbers DynamoDB cannot (README, "Input bounds"). Items written before keep `roomInfo`.
      roomInfoJson: JSON.stringify(event.roomInfo),
      appliedAt,
      expiresAt: expiryTime(appliedAt, this.retentionMs),
    };
    const newer = [CONDITIONS.itemIsNew, CONDITIONS.olderEventTime, CONDITIONS.sameEventTimeSmallerId].join(' OR ');
    const old = await this.putIfAbsent(item, newer, { ':eventTime': event.eventTime, ':eventId': event.eventId });
    if (old === true) return 'applied';
    return old?.eventId === event.eventId ? 'duplicate' : 'stale';
  }
}
