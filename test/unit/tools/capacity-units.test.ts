import { describe, expect, it } from 'vitest';
import {
  indexEntry,
  itemKind,
  itemSize,
  numberSize,
  readUnitsFor,
  refusedWriteUnits,
  type TableDefinition,
  valueSize,
  writeCost,
  writeUnitsFor,
} from '../../../fixtures/capacity-units';
import table from '../../../resources/recordings-table.json' with { type: 'json' };

const TABLE = table.Properties as TableDefinition;
const KB = 1024;

describe('item sizes (AWS Developer Guide, "DynamoDB item sizes and formats")', () => {
  it('a string is its name’s UTF-8 bytes plus its own', () => {
    expect(itemSize({ name: { S: 'Ben' } })).toBe(4 + 3);
    // UTF-8, not UTF-16: "é" is 2 bytes, "中" 3.
    expect(itemSize({ é: { S: '中' } })).toBe(2 + 3);
  });

  it('a number is 1 byte per two significant digits plus 1, leading and trailing zeros trimmed', () => {
    expect(numberSize('1')).toBe(2);
    expect(numberSize('12')).toBe(2);
    expect(numberSize('123')).toBe(3);
    // 1752580000000: 6 significant digits once trailing zeros go, 3 bytes + 1.
    expect(numberSize('1752580000000')).toBe(4);
    expect(numberSize('-0.00123')).toBe(3);
    expect(numberSize('0')).toBe(2);
    expect(itemSize({ n: { N: '1234567890' } })).toBe(1 + 5 + 1);
  });

  it('null and Boolean are 1 byte; a binary its raw bytes', () => {
    expect(itemSize({ b: { BOOL: true }, z: { NULL: true } })).toBe(4);
    expect(itemSize({ raw: { B: new Uint8Array(10) } })).toBe(13);
  });

  it('a list or map is 3 bytes of overhead, 1 per element, and the elements (map keys included)', () => {
    expect(itemSize({ l: { L: [] } })).toBe(1 + 3);
    expect(itemSize({ m: { M: {} } })).toBe(1 + 3);
    expect(valueSize({ L: [{ S: 'ab' }, { N: '7' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(valueSize({ M: { k: { S: 'ab' } } })).toBe(3 + 1 + 1 + 2);
    expect(valueSize({ M: { outer: { M: { in: { BOOL: false } } } } })).toBe(3 + 1 + 5 + (3 + 1 + 2 + 1));
  });

  it('a set is the sum of its elements', () => {
    expect(valueSize({ SS: ['ab', 'cde'] })).toBe(5);
    expect(valueSize({ NS: ['1', '123'] })).toBe(2 + 3);
  });
});

describe('units (AWS Developer Guide, "Read/write capacity units")', () => {
  it('writes: 1 unit per KB or part of one', () => {
    expect(writeUnitsFor(500)).toBe(1);
    expect(writeUnitsFor(KB)).toBe(1);
    expect(writeUnitsFor(KB + 1)).toBe(2);
    expect(writeUnitsFor(3.5 * KB)).toBe(4);
    expect(writeUnitsFor(0)).toBe(1);
  });

  it('reads: 1 unit per 4 KB strongly consistent, half eventually; a Query sums its items first', () => {
    expect(readUnitsFor(3.5 * KB, true)).toBe(1);
    expect(readUnitsFor(8 * KB, true)).toBe(2);
    expect(readUnitsFor(8 * KB, false)).toBe(1);
    // "a Query returns 10 items whose combined size is 40.8 KB: rounded to 44 KB", 11 units.
    expect(readUnitsFor(40.8 * KB, true)).toBe(11);
    expect(readUnitsFor(40.8 * KB, false)).toBe(5.5);
  });

  it('a refused conditional write costs the existing item’s units, at least 1', () => {
    expect(refusedWriteUnits(300)).toBe(1);
    expect(refusedWriteUnits(2.5 * KB)).toBe(3);
  });
});

describe('index entries and index writes (resources/recordings-table.json)', () => {
  const summary = (status: string, timeSort: string, extra = 0) => ({
    pk: { S: 'REC#trtc#1#t' },
    sk: { S: 'SUMMARY' },
    timeKey: { S: `APP#trtc#1#${status}` },
    timeSort: { S: timeSort },
    status: { S: status },
    eventCount: { N: '3' },
    firstFiles: { S: 'x'.repeat(extra) },
  });

  it('an entry holds the index keys, the table keys and the projected attributes only', () => {
    const byTime = TABLE.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'byTime');
    const byRoom = TABLE.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'byRoom');
    if (!byTime || !byRoom) throw new Error('indexes missing');
    const item = summary('recording', '1', 2000);
    expect(Object.keys(indexEntry(item, byTime, TABLE) ?? {}).sort()).toEqual(
      ['eventCount', 'pk', 'sk', 'status', 'timeKey', 'timeSort'].sort(),
    );
    // Sparse: no room keys, no entry.
    expect(indexEntry(item, byRoom, TABLE)).toBeUndefined();
    const inRoom = { ...item, roomKey: { S: 'r' }, roomSort: { S: 's' } };
    expect(Object.keys(indexEntry(inRoom, byRoom, TABLE) ?? {}).sort()).toEqual(['pk', 'roomKey', 'roomSort', 'sk']);
  });

  it('a new item puts its entries; the table is billed by the larger image', () => {
    const cost = writeCost(undefined, summary('recording', '1', 2900), TABLE);
    expect(cost.table).toBe(3);
    expect(cost.indexes.byTime).toMatchObject({ change: 'put', units: 1 });
    expect(cost.indexes.byRoom).toMatchObject({ change: 'none', units: 0 });
    expect(writeCost(summary('recording', '1', 2900), summary('recording', '1', 10), TABLE).table).toBe(3);
  });

  it('a changed index key is a delete and a put; changed projected attributes an update; others nothing', () => {
    const before = summary('recording', '1', 3000);
    expect(writeCost(before, summary('recording', '2', 3000), TABLE).indexes.byTime).toMatchObject({
      change: 'move',
      units: 2,
    });
    expect(writeCost(before, { ...before, eventCount: { N: '4' } }, TABLE).indexes.byTime).toMatchObject({
      change: 'update',
      units: 1,
    });
    // firstFiles is not projected: the entry is unchanged, the table still pays for the whole item.
    const cost = writeCost(before, summary('recording', '1', 3100), TABLE);
    expect(cost.indexes.byTime).toMatchObject({ change: 'none', units: 0 });
    expect(cost.table).toBe(4);
    expect(writeCost(before, undefined, TABLE).indexes.byTime).toMatchObject({ change: 'delete', units: 1 });
  });

  it('a large projected entry takes a unit per KB', () => {
    const before = { ...summary('recording', '1'), statusFacts: { S: 'f'.repeat(1500) } };
    const after = { ...before, timeSort: { S: '2' } };
    expect(writeCost(before, after, TABLE).indexes.byTime).toMatchObject({ change: 'move', units: 4 });
  });

  it('sets compare as sets', () => {
    const before = { ...summary('recording', '1'), files: { SS: ['a', 'b'] } };
    expect(writeCost(before, { ...before, files: { SS: ['b', 'a'] } }, TABLE).indexes.byTime?.change).toBe('none');
  });
});

describe('item kinds', () => {
  it('come from the sort key’s prefix', () => {
    expect(itemKind('EVENT#307#abc')).toBe('EVENT');
    expect(itemKind('FILE#a.ts')).toBe('FILE');
    expect(itemKind('SEG#1')).toBe('SEG');
    expect(itemKind('SUMMARY')).toBe('SUMMARY');
    expect(itemKind('STALE#000')).toBe('STALE');
    expect(itemKind('ROOM')).toBe('other');
    expect(itemKind(undefined)).toBe('other');
  });
});
