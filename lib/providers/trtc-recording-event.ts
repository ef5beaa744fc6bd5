import { BadRequestError } from '../errors';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  readIdentifier,
  readInteger,
  readObject,
  readString,
  withoutKeys,
} from '../json';
import { withEventId } from '../model/event-id';
import type { FileMention, FileStatus, RecordingEvent } from '../model/events';

/** TRTC event group for cloud recording (PROTOCOLS.md §2). */
export const TRTC_CLOUD_RECORDING_GROUP = 3;
/** The slice event: one per HLS segment, thousands per task, so it stays out of the room index. */
const FILE_SLICE = 307;
/** Delivery metadata, excluded from the dedupe identity (CONTRACT §4). */
const DELIVERY_METADATA = ['CallbackTs', 'CallbackCommand'] as const;

/**
 * Normalizes a TRTC cloud-recording event. Chat's `…CallbackAfterCloudRecordingChanged` relays the
 * same EventInfo (PROTOCOLS.md §1), so both endpoints call this and one TaskId is one recording.
 */
export function normalizeTrtcRecordingEvent(body: JsonObject, appId: string): RecordingEvent {
  const eventType = readInteger(body, 'EventType');
  if (eventType === undefined) throw new BadRequestError('EventType must be an integer');
  const eventInfo = readObject(body, 'EventInfo');
  if (!eventInfo) throw new BadRequestError('EventInfo must be an object');
  const taskId = readIdentifier(eventInfo, 'TaskId');
  if (taskId === undefined) throw new BadRequestError('EventInfo.TaskId is missing');
  const roomId = readIdentifier(eventInfo, 'RoomId') ?? null;
  const payload = readObject(eventInfo, 'Payload') ?? {};
  // 302 reports LeaveCode; newer docs also name 305's Status `LeaveCode` (PROTOCOLS.md §1).
  const code = readInteger(payload, 'Status') ?? readInteger(payload, 'LeaveCode') ?? null;
  const eventSeconds = readInteger(eventInfo, 'EventTs');
  const occurredAt = readInteger(eventInfo, 'EventMsTs') ?? (eventSeconds === undefined ? null : eventSeconds * 1000);

  const content = (): JsonObject => {
    // RoomId may be a number on one endpoint and a string on the other: the same event either way.
    const withoutMetadata = withoutKeys(body, DELIVERY_METADATA);
    withoutMetadata.EventInfo = { ...eventInfo, ...(roomId === null ? {} : { RoomId: roomId }) };
    return withoutMetadata;
  };
  const facts = {
    kind: 'recording',
    platform: 'trtc',
    appId,
    taskId,
    roomId,
    eventType: String(eventType),
    code,
    seqNo: null,
    files: trtcFiles(eventType, payload, code),
    occurredAt,
    indexInRoom: eventType !== FILE_SLICE,
  } as const;
  return withEventId(facts, content);
}

/** The files an event names (CONTRACT §4): 304 FileList, 307 FileName, 310 FileMessage, 311 VideoUrl. */
function trtcFiles(eventType: number, payload: JsonObject, code: number | null): FileMention[] {
  const named = (names: Iterable<string>, status: FileStatus): FileMention[] =>
    [...new Set(names)].map((name) => ({ name, url: null, status }));
  switch (eventType) {
    case 304:
      return named(stringList(payload.FileList), 'uploaded');
    case 307: {
      const name = readString(payload, 'FileName');
      return name ? named([name], 'uploaded') : [];
    }
    case 310: {
      const messages = Array.isArray(payload.FileMessage) ? payload.FileMessage : [];
      const names = messages.flatMap((message) => stringList(isJsonObject(message) ? message.FileName : null));
      // Status 1: the MP4 ended but part of it still waits on the vendor's server or backup storage.
      return named([...names, ...stringList(payload.FileList)], code === 1 ? 'pending_upload' : 'uploaded');
    }
    case 311: {
      const vod = readObject(payload, 'TencentVod');
      const url = vod ? readString(vod, 'VideoUrl') : undefined;
      if (!vod || !url) return [];
      const name = readString(vod, 'CacheFile') ?? url.split('?')[0]?.split('/').pop() ?? url;
      return [{ name, url, status: code === 1 ? 'failed' : 'uploaded' }];
    }
    default:
      return [];
  }
}

function stringList(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return value ? [value] : [];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item !== '');
  return [];
}
