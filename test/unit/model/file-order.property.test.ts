import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileSortKey } from '../../../lib/adapters/table-layout';
import { decodeCursor, encodeCursor } from '../../../lib/model/cursor';
import type { FileMention } from '../../../lib/model/events';
import { compareFileNames } from '../../../lib/model/file-order';
import { mergeFileMentions } from '../../../lib/model/recording-state';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
/** Names longer than this many UTF-8 bytes may be ordered by their first part, then in a fixed order. */
const PREFIX_BYTES = 900;

const sign = (n: number) => Math.sign(n);
const utf8 = (name: string) => Buffer.from(name, 'utf8');
const keyBytes = (name: string) => Buffer.from(fileSortKey(name), 'utf8');
/** A JS string with an unpaired surrogate has no UTF-8 form (Node writes EF BF BD for it). */
const wellFormed = (name: string) => utf8(name).toString('utf8') === name;

/** Every kind of character the order must place by its UTF-8 bytes. */
const char = fc.oneof(
  fc.constantFrom('a', 'b', 'z', '/', '.', '#', ' ', '\u0000', '\u0001', '\u007f'),
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  // accented, CJK, full-width and the private-use range just below it, where UTF-16 and code-point order disagree
  fc.integer({ min: 0xc0, max: 0x17f }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x4e00, max: 0x4e20 }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0xe000, max: 0xe010 }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0xff00, max: 0xffff }).map((code) => String.fromCharCode(code)),
  // emoji and other astral characters (surrogate pairs in UTF-16)
  fc.integer({ min: 0x1f300, max: 0x1f64f }).map((code) => String.fromCodePoint(code)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
  // unpaired surrogates, which JSON allows
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
);
const shortName = fc.string({ unit: char, maxLength: 8 });
/** Shared first parts around 900 bytes, so the cut lands before, on and inside multi-byte characters. */
const PREFIXES = [
  'a'.repeat(900),
  'a'.repeat(899),
  'a'.repeat(901),
  `x${'é'.repeat(449)}`, // 899 bytes
  'é'.repeat(450), // 900
  `xy${'😀'.repeat(225)}`, // the cut falls inside an emoji
  `${'（'.repeat(299)}ab`, // 899
  `${'a'.repeat(897)}\ud800`, // an unpaired surrogate across the cut
  `rec/${'b😀.mp4/'.repeat(100)}`,
];
const longName = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.nat({ max: 6 }), shortName)
  .map(([prefix, trim, rest]) => prefix.slice(0, prefix.length - trim) + rest);
const name = fc.oneof(shortName, longName, fc.string({ unit: 'binary', maxLength: 20 }));
/** Two names, often one beginning the other or both beginning alike, where orders part ways. */
const pair = fc.oneof(
  fc.tuple(name, name),
  fc.tuple(name, shortName, shortName).map(([start, x, y]) => [start + x, start + y] as const),
  fc.tuple(name, shortName).map(([start, rest]) => [start, start + rest] as const),
  fc.tuple(name, shortName).map(([start, rest]) => [start + rest, start] as const),
);

const firstDifference = (a: Buffer, b: Buffer): number => {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) if (a[index] !== b[index]) return index;
  return length;
};

describe('name order', () => {
  it('is the byte order of the sort keys DynamoDB pages by, for any names', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(sign(compareFileNames(a, b))).toBe(sign(Buffer.compare(keyBytes(a), keyBytes(b))));
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('is a total order: distinct names never tie, swapping flips it, and it is transitive', () => {
    fc.assert(
      fc.property(pair, name, ([a, b], c) => {
        expect(compareFileNames(a, a)).toBe(0);
        expect(compareFileNames(a, b) === 0).toBe(a === b);
        expect(sign(compareFileNames(a, b)) + sign(compareFileNames(b, a))).toBe(0);
        const [x, y, z] = [a, b, c].sort(compareFileNames) as [string, string, string];
        expect(compareFileNames(x, y)).toBeLessThanOrEqual(0);
        expect(compareFileNames(y, z)).toBeLessThanOrEqual(0);
        expect(compareFileNames(x, z)).toBeLessThanOrEqual(0);
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it("ascends by the names' UTF-8 bytes, a name before every longer name it begins", () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const [ua, ub] = [utf8(a), utf8(b)];
        const at = firstDifference(ua, ub);
        if (at < Math.min(ua.length, ub.length) && at < PREFIX_BYTES) {
          // They differ within the first 900 bytes: those bytes decide.
          expect(sign(compareFileNames(a, b))).toBe(sign(Buffer.compare(ua, ub)));
        }
        if (at === ua.length && ua.length < ub.length && ua.length <= PREFIX_BYTES) {
          // `a` begins `b`: it comes first, but for a name with an unpaired surrogate when `b` goes on with U+0000 or U+0001.
          const exception = !wellFormed(a) && (ub[at] as number) <= 0x01;
          if (!exception) expect(compareFileNames(a, b)).toBeLessThan(0);
        }
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('has sort keys DynamoDB takes: well formed, at most 1,024 bytes, the name itself up to 900 bytes', () => {
    fc.assert(
      fc.property(fc.oneof(name, fc.string({ unit: char, minLength: 300, maxLength: 1100 })), (n) => {
        const key = fileSortKey(n);
        expect(wellFormed(key)).toBe(true);
        expect(utf8(key).length).toBeLessThanOrEqual(1024);
        expect(key.startsWith('FILE#')).toBe(true);
        if (wellFormed(n) && utf8(n).length <= PREFIX_BYTES) expect(key).toBe(`FILE#${n}`);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('a files cursor carries any sort key exactly (its position travels as UTF-8)', () => {
    const scope = 'files:REC#trtc#1400000001#task';
    fc.assert(
      fc.property(name, (n) => {
        expect(decodeCursor(scope, encodeCursor(scope, fileSortKey(n)))).toBe(fileSortKey(n));
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('is the order of merged mentions, whatever order they come in', () => {
    const mention = (n: string): FileMention => ({ name: n, url: null, status: 'uploaded' });
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 30 }), fc.nat(), (names, seed) => {
        const shuffled = names.map((n, index) => ({ n, at: (index * 7919 + seed) % 1009 })).sort((x, y) => x.at - y.at);
        const merged = mergeFileMentions(shuffled.map(({ n }) => mention(n))).map((file) => file.name);
        expect(merged).toEqual([...names].sort((x, y) => Buffer.compare(keyBytes(x), keyBytes(y))));
      }),
      { numRuns: RUNS },
    );
  });

  it('puts full-width before emoji, as their UTF-8 bytes do (UTF-16 would not)', () => {
    const names = ['b😀.mp4', 'b（.mp4', 'b.mp4', 'bé.mp4', 'bz.mp4', 'b\ue000.mp4'];
    expect(
      mergeFileMentions(names.map((n) => ({ name: n, url: null, status: 'uploaded' }))).map((f) => f.name),
    ).toEqual(['b.mp4', 'bz.mp4', 'bé.mp4', 'b\ue000.mp4', 'b（.mp4', 'b😀.mp4']);
  });

  it('keeps apart names that differ only in unpaired surrogates, which UTF-8 cannot tell apart', () => {
    const names = [
      'a\ud800.ts',
      'a\udc00.ts',
      'a\udbff.ts',
      'a\ufffd.ts',
      `${'x'.repeat(950)}\ud800`,
      `${'x'.repeat(950)}\udc00`,
    ];
    expect(new Set(names.map(fileSortKey)).size).toBe(names.length);
    for (const a of names) for (const b of names) expect(compareFileNames(a, b) === 0).toBe(a === b);
    // After the name spelled with U+FFFD, before the names going on from those bytes.
    const sorted = [...names, 'a\ufffd.ts!', 'a\ufffd.tsz'].sort(compareFileNames);
    expect(sorted.indexOf('a\ufffd.ts')).toBe(0);
    expect(sorted.slice(4, 6)).toEqual(['a\ufffd.ts!', 'a\ufffd.tsz']);
  });
});
