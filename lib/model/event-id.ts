import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from '../json';

/**
 * The dedupe identity of an event's content (CONTRACT §4). Callers strip delivery metadata first,
 * so a vendor retry hashes equal and a new segment or slice does not. 128 bits of SHA-256 keep
 * the sort key short while making an accidental collision practically impossible.
 */
export function deriveEventId(content: JsonValue): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 32);
}
