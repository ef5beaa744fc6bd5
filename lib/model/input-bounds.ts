import { isLosslessNumber } from 'lossless-json';
import { BadRequestError } from '../errors';
import type { JsonObject } from '../json';
import type { CallbackEvent, FileMention, Interpretation } from './events';

/**
 * What a verified callback may hold (README, "Input bounds"). "200 means applied": anything that
 * process could not store, the projector fold, the query answer or the publisher publish is refused
 * at ingest with a 400 naming the field, instead of being acknowledged and dead-lettered later.
 */
export const INPUT_BOUNDS = {
  /** Vendor times lie in [2000-01-01, 2100-01-01) UTC: a `Date` can hold them and our keys sort them. */
  earliestTimeMs: Date.UTC(2000, 0, 1),
  latestTimeMs: Date.UTC(2100, 0, 1),
  /** Task, room, user and job ids: they become key parts, and DynamoDB sort keys hold 1,024 bytes. */
  maxIdBytes: 512,
  /** File names: a sort key holds 1,024 bytes (names over 900 are keyed by prefix and digest). */
  maxFileNameBytes: 1_024,
  maxFileUrlBytes: 1_024,
  /**
   * One file as JSON, escapes included: 100 of them must fit in an EventBridge entry beside the
   * rest of the state (README, "Events"). Only names full of control characters reach it.
   */
  maxFileJsonBytes: 2_300,
} as const;

const YEAR_RANGE = '[2000, 2100)';

/** A time in milliseconds, or a 400 naming the field. */
export function requireVendorTime(ms: number, field: string): number {
  if (!Number.isFinite(ms) || ms < INPUT_BOUNDS.earliestTimeMs || ms >= INPUT_BOUNDS.latestTimeMs) {
    throw new BadRequestError(`${field} must be a time in the years ${YEAR_RANGE}`);
  }
  return ms;
}

/**
 * A vendor time field of a body: absent is `undefined`; present, it must be an integer time in
 * range. `unit` is the vendor's (seconds, milliseconds, or LiveKit's nanoseconds as text).
 */
export function readVendorTime(
  object: JsonObject,
  key: string,
  unit: 's' | 'ms' | 'ns',
  field = key,
): number | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  const text = isLosslessNumber(value) ? value.value : typeof value === 'string' ? value : undefined;
  if (text === undefined || !/^\d{1,19}$/.test(text)) {
    throw new BadRequestError(`${field} must be a time in the years ${YEAR_RANGE}`);
  }
  // Nanoseconds exceed 2^53: cutting the text keeps the milliseconds exact.
  const ms = unit === 'ns' ? Number(text.slice(0, -6) || '0') : unit === 's' ? Number(text) * 1000 : Number(text);
  return requireVendorTime(ms, field);
}

/** An ISO-8601 time text (SparkRTC `start_time`), as milliseconds; absent is `undefined`. */
export function readVendorIsoTime(object: JsonObject, key: string): number | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return requireVendorTime(ms, key);
}

/** An id the vendor sent: at most 512 UTF-8 bytes, and well-formed Unicode (it becomes a key). */
function requireBoundedId(value: string, field: string): void {
  requireKeyText(value, field, INPUT_BOUNDS.maxIdBytes);
}

/** Checks an optional id field of a body (user ids, which only the event's content holds). */
export function checkIdField(object: JsonObject | undefined, key: string, field = key): void {
  const value = object?.[key];
  const text = typeof value === 'string' ? value : isLosslessNumber(value) ? value.value : undefined;
  if (text !== undefined) requireBoundedId(text, field);
}

function requireKeyText(value: string, field: string, maxBytes: number): void {
  if (Buffer.byteLength(value) > maxBytes) throw new BadRequestError(`${field} exceeds ${maxBytes} bytes`);
  // A lone surrogate has no UTF-8 form: DynamoDB could not store it as sent.
  if (!value.isWellFormed()) throw new BadRequestError(`${field} is not well-formed Unicode (a lone surrogate)`);
}

function checkFile(file: FileMention): void {
  requireKeyText(file.name, 'file name', INPUT_BOUNDS.maxFileNameBytes);
  if (file.url !== null) requireKeyText(file.url, 'file URL', INPUT_BOUNDS.maxFileUrlBytes);
  if (Buffer.byteLength(JSON.stringify(file)) > INPUT_BOUNDS.maxFileJsonBytes) {
    throw new BadRequestError(`file name and URL exceed ${INPUT_BOUNDS.maxFileJsonBytes} bytes as JSON`);
  }
}

/**
 * The bounds every normalized event meets, whatever its vendor: ids, file names and URLs, and
 * times. Vendor-specific fields (send times, user ids) are checked by the provider's `interpret`.
 */
export function assertEventWithinBounds(event: CallbackEvent): void {
  requireBoundedId(event.roomId ?? '', 'room id');
  if (event.kind === 'room') {
    requireVendorTime(event.eventTime, 'EventTime');
    return;
  }
  requireBoundedId(event.taskId, 'task id');
  if (event.occurredAt !== null) requireVendorTime(event.occurredAt, 'event time');
  for (const file of event.files) checkFile(file);
}

/** The interpretation, after the vendor-independent bounds: ingest and process both read events through it. */
export function withinBounds(interpretation: Interpretation): Interpretation {
  if (interpretation.kind === 'event') assertEventWithinBounds(interpretation.event);
  return interpretation;
}
