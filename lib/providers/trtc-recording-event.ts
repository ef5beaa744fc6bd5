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
import { type FileMention, type FileStatus, type Interpretation, unmodelled } from '../model/events';
import { checkIdField, readVendorTime } from '../model/input-bounds';

/** TRTC event group for cloud recording (PROTOCOLS.md §2). */
export const TRTC_CLOUD_RECORDING_GROUP = 3;
/** The slice event: one per HLS segment, thousands per task, so it stays out of the room index. */
const FILE_SLICE = 307;
/**
 * The documented cloud-recording event types, 301–312 (PROTOCOLS.md §2). Others are acknowledged and
 * not queued: the summary counts events by type, so an open set of types would grow without bound.
 */
const FIRST_EVENT_TYPE = 301;
const LAST_EVENT_TYPE = 312;
/** Delivery metadata, excluded from the dedupe identity (README, "What counts as the same event"). */
const DELIVERY_METADATA = ['CallbackTs', 'CallbackCommand'] as const;

/**
 * Interprets a TRTC cloud-recording event. Chat's `…CallbackAfterCloudRecordingChanged` relays the
 * same EventInfo (PROTOCOLS.md §1), so both endpoints call this and one TaskId is one recording.
 */
export function interpretTrtcRecordingEvent(body: JsonObject, appId: string): Interpretation {
  const eventType = readInteger(body, 'EventType');
  if (eventType === undefined) throw new BadRequestError('EventType must be an integer');
  if (eventType < FIRST_EVENT_TYPE || eventType > LAST_EVENT_TYPE) return unmodelled(`EventType ${eventType}`);
  const eventInfo = readObject(body, 'EventInfo');
  if (!eventInfo) throw new BadRequestError('EventInfo must be an object');
  const taskId = readIdentifier(eventInfo, 'TaskId');
  if (taskId === undefined) throw new BadRequestError('EventInfo.TaskId is missing');
  const roomId = readIdentifier(eventInfo, 'RoomId') ?? null;
  const payload = readObject(eventInfo, 'Payload') ?? {};
  // 302 reports LeaveCode; newer docs also name 305's Status `LeaveCode` (PROTOCOLS.md §1).
  const code = readInteger(payload, 'Status') ?? readInteger(payload, 'LeaveCode') ?? null;
  // Every vendor time is checked, used or not: 200 means the event can be applied (README, "Input bounds").
  const eventMs = readVendorTime(eventInfo, 'EventMsTs', 'ms', 'EventInfo.EventMsTs');
  const eventSecondsMs = readVendorTime(eventInfo, 'EventTs', 's', 'EventInfo.EventTs');
  readVendorTime(body, 'CallbackTs', 'ms');
  readVendorTime(body, 'EventTime', 'ms');
  checkIdField(eventInfo, 'UserId', 'EventInfo.UserId');
  const occurredAt = eventMs ?? eventSecondsMs ?? null;

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
  return { kind: 'event', event: withEventId(facts, content) };
}

/** The files an event names (README, "Status rules"): 304 FileList, 307 FileName, 310 FileMessage, 311 VideoUrl. */
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
