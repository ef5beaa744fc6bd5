import { createHash } from 'node:crypto';

/**
 * Name order: the one order of a recording's files (README, "Recording state"), the same in the
 * summary's first page, with any `filesLimit`, and through the files route, which pages file items
 * by their sort key in DynamoDB's order (the UTF-8 bytes of the key). So the order is *defined* by a
 * key, `fileOrderKey`, and the table's sort key is `FILE#` + that key:
 *
 * - a name of at most 900 UTF-8 bytes is its own key, so those names ascend by their UTF-8 bytes;
 * - a longer name (sort keys are at most 1,024 bytes) is keyed by its shortest start in whole
 *   characters that is longer than 900 bytes (901 to 904 bytes: so every name of up to 900 bytes
 *   that begins it, whatever comes after, sorts before it), then U+0001 and the SHA-256 of the
 *   name: names sharing that start keep a fixed order, and no two names share a key;
 * - a name holding an unpaired surrogate (JSON allows one; it has no UTF-8 form) is keyed the same
 *   way, with U+FFFD in its place as Node encodes it (whole when that is at most 900 bytes): a key must be
 *   valid text for DynamoDB to order it by its bytes, and two names must not share one. It sorts
 *   after the name spelled with U+FFFD there, and before every name that goes on from those bytes,
 *   except with U+0000 or U+0001 (no key fits between a name and that name + U+0000).
 */
export const FILE_ORDER_PREFIX_BYTES = 900;
const TIE_SEPARATOR = '\u0001';
/** An unpaired surrogate: with the `u` flag a pair is one astral code point, never `Cs`. */
const UNPAIRED_SURROGATE = /\p{Cs}/u;

/** The text whose UTF-8 bytes order `name` among the others: valid Unicode, at most 969 bytes. */
export function fileOrderKey(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= FILE_ORDER_PREFIX_BYTES && !UNPAIRED_SURROGATE.test(name)) return name;
  // 901 bytes, then on to the end of that character (UTF-8 continuation bytes are 10xxxxxx).
  let end = Math.min(bytes.length, FILE_ORDER_PREFIX_BYTES + 1);
  while (end < bytes.length && ((bytes[end] as number) & 0xc0) === 0x80) end += 1;
  // UTF-16 code units, not UTF-8, so that names differing only in unpaired surrogates differ here.
  const digest = createHash('sha256').update(Buffer.from(name, 'utf16le')).digest('hex');
  return `${bytes.subarray(0, end).toString('utf8')}${TIE_SEPARATOR}${digest}`;
}

const orderBytes = (name: string): Buffer => Buffer.from(fileOrderKey(name), 'utf8');

/** Name order as a comparator: negative when `a` comes first, 0 only for the same name. */
export function compareFileNames(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(orderBytes(a), orderBytes(b));
}

/** `items` in name order (each key computed once, for long lists). */
export function sortByFileName<T>(items: Iterable<T>, nameOf: (item: T) => string): T[] {
  return [...items]
    .map((item) => ({ item, key: orderBytes(nameOf(item)) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ item }) => item);
}
