import { isLosslessNumber, type LosslessNumber, parse } from 'lossless-json';
import { BadRequestError } from './errors';

/**
 * JSON as the vendors send it, parsed losslessly: every number stays a `LosslessNumber` holding its
 * exact text, because GME task ids are 64-bit integers that `JSON.parse` silently rounds
 * (PROTOCOLS.md §3).
 */
export type JsonValue = null | boolean | string | LosslessNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const BOM = '\uFEFF';

/** Decodes strict UTF-8 and parses a JSON object, or throws a `BadRequestError` saying why. */
export function parseJsonObject(body: Uint8Array | string): JsonObject {
  let text: string;
  try {
    text = typeof body === 'string' ? body : UTF8.decode(body);
  } catch (cause) {
    throw new BadRequestError('body is not valid UTF-8', { cause });
  }
  if (text.startsWith(BOM)) text = text.slice(BOM.length);
  assertNestingWithin(text, MAX_NESTING_DEPTH);
  let value: unknown;
  try {
    value = parse(text);
  } catch (cause) {
    throw new BadRequestError('body is not valid JSON', { cause });
  }
  if (!isJsonObject(value as JsonValue)) throw new BadRequestError('body is not a JSON object');
  return value as JsonObject;
}

/**
 * JSON nesting we accept (README, "Input bounds"): checked on the text, before any recursive parse
 * or walk, because a parser copes with more depth than a recursive walk of its result does.
 */
export const MAX_NESTING_DEPTH = 64;

/** Counts `[`/`{` depth outside strings in one pass; throws a 400 past `maxDepth`. */
function assertNestingWithin(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index += 1; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > maxDepth) throw new BadRequestError(`body nests deeper than ${maxDepth} levels`);
    } else if (code === 0x5d || code === 0x7d) depth -= 1;
  }
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

/**
 * Stable text for hashing: object keys sorted, numbers exactly as the vendor wrote them.
 * Two bodies that differ only in key order or whitespace get the same text.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (isLosslessNumber(value)) return value.value;
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(',')}}`;
}

/** Converts lossless numbers back to plain JSON values, keeping unsafe integers as strings. */
export function toPlainJson(value: JsonValue): unknown {
  if (isLosslessNumber(value)) {
    const number = Number(value.value);
    // An unsafe integer or a number beyond a double's range keeps its exact text.
    return Number.isSafeInteger(number) || (Number.isFinite(number) && !Number.isInteger(number))
      ? number
      : value.value;
  }
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (isJsonObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toPlainJson(item)]));
  }
  return value;
}

/**
 * JSON text within SQS's character set: SQS refuses U+FFFE, U+FFFF and lone surrogates in a
 * message, and the local emulator refuses every character above U+FFFF, which AWS accepts. Each
 * such code unit is written as a `\uXXXX` escape (JSON.stringify escapes lone surrogates already),
 * so `JSON.parse` gives back exactly the same strings.
 */
export function toQueueSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\uD800-\uDFFF\uFFFE\uFFFF]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Field readers: each returns `undefined` when the field is absent or of another type. */
export function readString(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

/** An identifier the vendor sends as either a string or a number (TRTC `RoomId`, GME `TaskID`). */
export function readIdentifier(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (isLosslessNumber(value)) return value.value;
  return undefined;
}

/** A number that must be a safe integer (event types, status codes, timestamps). */
export function readInteger(object: JsonObject, key: string): number | undefined {
  const value = object[key];
  if (!isLosslessNumber(value)) return undefined;
  const number = Number(value.value);
  return Number.isSafeInteger(number) ? number : undefined;
}

export function readObject(object: JsonObject, key: string): JsonObject | undefined {
  const value = object[key];
  return isJsonObject(value) ? value : undefined;
}

export function withoutKeys(object: JsonObject, keys: readonly string[]): JsonObject {
  const copy: JsonObject = { ...object };
  for (const key of keys) delete copy[key];
  return copy;
}
