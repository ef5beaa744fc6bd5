import type { RecordingStore } from '../adapters/recording-store';
import { isPlatform } from '../platforms';

export interface QueryAnswer {
  readonly statusCode: number;
  readonly body: string;
}

export interface QueryRequest {
  readonly method: string;
  /** The path as sent, still percent-encoded: each segment is decoded exactly once, here. */
  readonly rawPath: string;
  readonly query: Readonly<Record<string, string>>;
}

export const DEFAULT_ROOM_LIMIT = 20;
export const MAX_ROOM_LIMIT = 100;

const json = (statusCode: number, body: unknown): QueryAnswer => ({ statusCode, body: JSON.stringify(body) });
const notFound = (message: string) => json(404, { message });

/** `GET /recordings/{platform}/{appId}/{taskId}` and `GET /rooms/{platform}/{appId}/{roomId}` (CONTRACT §1, §4). */
export async function handleQuery(
  request: QueryRequest,
  store: Pick<RecordingStore, 'getRecording' | 'getRoom'>,
): Promise<QueryAnswer> {
  if (request.method !== 'GET') return json(405, { message: 'Method Not Allowed' });
  const segments = decodeSegments(request.rawPath);
  // The last four segments, so a stage prefix in front of the route does not matter.
  if (!segments || segments.length < 4) return notFound('Not Found');
  const [resource, platform, appId, id] = segments.slice(-4) as [string, string, string, string];
  if (!isPlatform(platform)) return json(400, { message: 'platform must be one of trtc, gme, sparkrtc' });

  if (resource === 'recordings') {
    const recording = await store.getRecording({ platform, appId, taskId: id });
    return recording ? json(200, recording) : notFound('recording not found');
  }
  if (resource === 'rooms') {
    const requested = Number(request.query.limit ?? DEFAULT_ROOM_LIMIT);
    if (!Number.isInteger(requested) || requested < 1 || requested > MAX_ROOM_LIMIT) {
      return json(400, { message: `limit must be an integer from 1 to ${MAX_ROOM_LIMIT}` });
    }
    const room = await store.getRoom(platform, appId, id, { limit: requested });
    return room ? json(200, room) : notFound('room not found');
  }
  return notFound('Not Found');
}

/** Splits the path and decodes each segment once; TRTC task ids hold `*`, `-` and may arrive escaped. */
function decodeSegments(rawPath: string): string[] | undefined {
  try {
    return rawPath
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}
