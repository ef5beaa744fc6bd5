import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../../lib/model/cursor';

describe('paging cursors', () => {
  const scope = 'files:REC#trtc#1400000001#task';

  it('round-trips any position, including separators and non-ASCII text', () => {
    for (const position of ['FILE#a/b.ts', '000001752580000000#EVENT#307#abc', 'FILE#录制/第1段.mp4']) {
      expect(decodeCursor(scope, encodeCursor(scope, position))).toBe(position);
    }
  });

  it('refuses a cursor issued for another recording or listing', () => {
    const cursor = encodeCursor(scope, 'FILE#a.ts');
    expect(() => decodeCursor('files:REC#trtc#1400000001#other', cursor)).toThrow(InvalidCursorError);
    expect(() => decodeCursor('events:REC#trtc#1400000001#task', cursor)).toThrow(InvalidCursorError);
  });

  it('refuses an altered position, an altered digest and text that is no cursor at all', () => {
    const cursor = encodeCursor(scope, 'FILE#a.ts');
    const [position = '', tag = ''] = cursor.split('.');
    const otherPosition = Buffer.from('FILE#b.ts').toString('base64url');
    for (const bad of [
      `${otherPosition}.${tag}`,
      `${position}.${tag.slice(1)}x`,
      'garbage',
      '.',
      `${position}`,
      '!!.x',
    ]) {
      expect(() => decodeCursor(scope, bad), bad).toThrow(InvalidCursorError);
    }
  });
});
