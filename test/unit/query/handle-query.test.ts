import { describe, expect, it, vi } from 'vitest';
import { InvalidCursorError } from '../../../lib/model/cursor';
import { handleQuery, type QueryStore } from '../../../lib/query/handle-query';

function fakeStore(): { [K in keyof QueryStore]: ReturnType<typeof vi.fn> } {
  return {
    getRecording: vi.fn(async () => null),
    getRoom: vi.fn(async () => null),
    listFiles: vi.fn(async () => ({ files: [], nextCursor: null })),
    listEvents: vi.fn(async () => ({ events: [], nextCursor: null })),
    listRecordings: vi.fn(async () => ({ recordings: [], nextCursor: null })),
  };
}

const get = (store: ReturnType<typeof fakeStore>, path: string, query: Record<string, string> = {}) =>
  handleQuery(
    { method: 'GET', rawPath: path, rawQueryString: new URLSearchParams(query).toString() },
    store as unknown as QueryStore,
  ).then((answer) => ({
    status: answer.statusCode,
    body: JSON.parse(answer.body),
  }));

describe('query routes', () => {
  it('sends each path to its reader, with defaults, behind any stage prefix', async () => {
    const store = fakeStore();
    await get(store, '/prod/recordings/trtc/app/task-%2A1');
    expect(store.getRecording).toHaveBeenCalledWith(
      { platform: 'trtc', appId: 'app', taskId: 'task-*1' },
      { filesLimit: 100 },
    );
    await get(store, '/recordings/gme/app/t/files', { limit: '1000', cursor: 'c' });
    expect(store.listFiles).toHaveBeenCalledWith(
      { platform: 'gme', appId: 'app', taskId: 't' },
      { limit: 1000, cursor: 'c' },
    );
    await get(store, '/recordings/gme/app/t/events');
    expect(store.listEvents).toHaveBeenCalledWith(
      { platform: 'gme', appId: 'app', taskId: 't' },
      { limit: 100, cursor: undefined },
    );
    await get(store, '/recordings/sparkrtc/app', { status: 'stopped', stale: 'true', limit: '5' });
    expect(store.listRecordings).toHaveBeenCalledWith({
      platform: 'sparkrtc',
      appId: 'app',
      status: 'stopped',
      stale: true,
      limit: 5,
      cursor: undefined,
    });
    await get(store, '/rooms/trtc/app/room');
    expect(store.getRoom).toHaveBeenCalledWith('trtc', 'app', 'room', { limit: 20 });
  });

  it.each([
    ['/recordings/trtc/app', { status: 'done' }, 'status must be one of recording, stopped, failed, completed'],
    ['/recordings/trtc/app', { limit: '101' }, 'limit must be an integer from 1 to 100'],
    ['/recordings/trtc/app', { limit: '0' }, 'limit must be an integer from 1 to 100'],
    ['/recordings/trtc/app', { stale: 'yes' }, 'stale must be true or false'],
    [
      '/recordings/trtc/app',
      { stale: 'true', status: 'completed' },
      'stale=true lists unfinished recordings: status must be recording or stopped',
    ],
    ['/recordings/trtc/app/t', { filesLimit: '1001' }, 'filesLimit must be an integer from 1 to 1000'],
    ['/recordings/trtc/app/t/files', { limit: '2.5' }, 'limit must be an integer from 1 to 1000'],
    ['/recordings/trtc/app/t/events', { limit: '-1' }, 'limit must be an integer from 1 to 1000'],
    ['/rooms/trtc/app/r', { limit: 'x' }, 'limit must be an integer from 1 to 100'],
    ['/recordings/zoom/app/t', {}, 'platform must be one of trtc, gme, sparkrtc, agora, livekit'],
  ])('answers 400 for %s %j', async (path, query, message) => {
    expect(await get(fakeStore(), path, query)).toEqual({ status: 400, body: { message } });
  });

  it('answers 400 for ids too long to be a DynamoDB key and for an oversized cursor, before any read', async () => {
    const store = fakeStore();
    expect((await get(store, `/recordings/trtc/app/${'t'.repeat(513)}`)).status).toBe(400);
    expect((await get(store, `/recordings/trtc/${'a'.repeat(600)}`)).status).toBe(400);
    expect((await get(store, '/recordings/trtc/app/t/files', { cursor: 'c'.repeat(2_049) })).status).toBe(400);
    expect(store.getRecording).not.toHaveBeenCalled();
    expect(store.listRecordings).not.toHaveBeenCalled();
    expect(store.listFiles).not.toHaveBeenCalled();
  });

  it('answers 400, not 500, for a cursor the store refuses', async () => {
    const store = fakeStore();
    store.listFiles.mockRejectedValue(new InvalidCursorError());
    const answer = await get(store, '/recordings/trtc/app/t/files', { cursor: 'tampered' });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/cursor is invalid/);
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    const store = fakeStore();
    expect((await get(store, '/recordings/trtc/app/t/other')).status).toBe(404);
    expect((await get(store, '/recordings/trtc/app/t/files/more')).status).toBe(404);
    expect((await get(store, '/recordings/trtc')).status).toBe(404);
    expect((await get(store, '/elsewhere/trtc/app/t')).status).toBe(404);
    const answer = await handleQuery(
      { method: 'POST', rawPath: '/recordings/trtc/app', rawQueryString: '' },
      store as never,
    );
    expect(answer.statusCode).toBe(405);
  });
});
