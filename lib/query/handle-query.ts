import type { AppRef } from '../config/app-ids';
import { AppsConfigError, BadQueryError, HttpError } from '../errors';
import { type HttpAnswer, jsonAnswer } from '../http/answer';
import { parseQuery } from '../http/callback-request';
import { InvalidCursorError } from '../model/cursor';
import type { FileMention } from '../model/events';
import {
  RECORDING_STATUSES,
  type RecordingKey,
  type RecordingState,
  type RecordingStatus,
} from '../model/recording-state';
import { FIRST_FILES_PAGE, type FilePage, type RecordingListEntry } from '../model/recording-summary';
import { isPlatform, PLATFORMS, type Platform } from '../platforms';

export interface QueryRequest {
  readonly method: string;
  /** The path as sent, still percent-encoded: each segment is decoded exactly once, here. */
  readonly rawPath: string;
  /** The query string as sent; a repeated parameter is a 400. */
  readonly rawQueryString: string;
}

/** A page request of the paged routes. */
export interface Page {
  readonly limit: number;
  readonly cursor?: string;
}

/** The app listing's filters (README, "Paging, listings and the timeline"). */
export interface RecordingListQuery extends Page {
  readonly platform: Platform;
  readonly appId: string;
  /** Only these statuses; all when unset. */
  readonly status?: RecordingStatus;
  /** Only recordings that are stale now. */
  readonly stale?: boolean;
}

/** One distinct event in a recording's timeline. */
export interface TimelineEvent {
  readonly eventType: string;
  readonly occurredAt: string | null;
  readonly appliedAt: string;
  readonly eventId: string;
  readonly code: number | null;
  readonly seqNo: number | null;
  readonly files: readonly FileMention[];
}

export interface RoomView {
  readonly platform: Platform;
  readonly appId: string;
  readonly roomId: string;
  /** The latest room info, or null when only recordings name this room. */
  readonly roomInfo: Readonly<Record<string, unknown>> | null;
  readonly roomInfoUpdatedAt: string | null;
  readonly operator: string | null;
  readonly recordings: RecordingListEntry[];
}

/** What the read routes read; each answer costs a bounded number of requests (README, "Data model"). */
export interface QueryStore {
  getRecording(key: RecordingKey, options?: { filesLimit?: number }): Promise<RecordingState | null>;
  listFiles(key: RecordingKey, page: Page): Promise<FilePage>;
  listEvents(key: RecordingKey, page: Page): Promise<{ events: TimelineEvent[]; nextCursor: string | null }>;
  listRecordings(query: RecordingListQuery): Promise<{ recordings: RecordingListEntry[]; nextCursor: string | null }>;
  getRoom(platform: Platform, appId: string, roomId: string, options: { limit: number }): Promise<RoomView | null>;
}

/** What `GET /apps` lists: the configured apps' ids (README, "Routes and answers"). */
export type ListApps = () => Promise<readonly AppRef[]>;

/** The state's default page of files (README, "Recording state"). */
export const DEFAULT_FILES_PAGE = FIRST_FILES_PAGE;

export const DEFAULT_ROOM_LIMIT = 20;
export const MAX_ROOM_LIMIT = 100;
export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1_000;

/** A DynamoDB partition key holds at most 2,048 bytes: longer ids are a caller's mistake, not a server error. */
export const MAX_SEGMENT_BYTES = 512;
const MAX_CURSOR_LENGTH = 2_048;

const notFound = (message: string) => jsonAnswer(404, { message });

/**
 * The read routes (README, "Routes and answers" and "Recording state"): a recording, its files, its timeline, an app's recordings,
 * a room. Every answer's cost is bounded by its page size, never by the size of a recording.
 */
export async function handleQuery(request: QueryRequest, store: QueryStore, listApps?: ListApps): Promise<HttpAnswer> {
  try {
    const segments = decodeSegments(request.rawPath);
    if (segments?.length === 1 && segments[0] === 'apps') return await answerApps(request, listApps);
    return await answerQuery({ ...request, query: parseQuery(request.rawQueryString) }, store);
  } catch (error) {
    // The one boundary of the read routes: a caller's mistake is a 400 saying what is allowed.
    if (error instanceof HttpError) return jsonAnswer(error.status, { message: error.message });
    throw error;
  }
}

/**
 * `GET /apps`: `{"apps":[{"platform","appId"}]}`, ids only. An apps document that cannot be read is
 * a 503 naming no detail (its message may name the parameter; the log has it).
 */
async function answerApps(request: QueryRequest, listApps: ListApps | undefined): Promise<HttpAnswer> {
  if (request.method !== 'GET') return jsonAnswer(405, { message: 'Method Not Allowed' });
  if (listApps === undefined) return notFound('Not Found');
  try {
    const apps = await listApps();
    return jsonAnswer(200, { apps: apps.map(({ platform, appId }) => ({ platform, appId })) });
  } catch (error) {
    if (error instanceof AppsConfigError) return jsonAnswer(503, { message: 'the apps document is unavailable' });
    throw error;
  }
}

async function answerQuery(
  request: Omit<QueryRequest, 'rawQueryString'> & { readonly query: Readonly<Record<string, string>> },
  store: QueryStore,
): Promise<HttpAnswer> {
  if (request.method !== 'GET') return jsonAnswer(405, { message: 'Method Not Allowed' });
  const segments = decodeSegments(request.rawPath);
  // From the resource name on, so a stage prefix in front of the route does not matter.
  const start = segments?.findIndex((segment) => segment === 'recordings' || segment === 'rooms') ?? -1;
  if (!segments || start < 0) return notFound('Not Found');
  const [resource, platform, appId, id, sub, ...rest] = segments.slice(start);
  if (platform === undefined || appId === undefined || rest.length > 0) return notFound('Not Found');
  if (!isPlatform(platform)) return jsonAnswer(400, { message: `platform must be one of ${PLATFORMS.join(', ')}` });
  if (segments.some((segment) => Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)) {
    return jsonAnswer(400, { message: `path segments must be at most ${MAX_SEGMENT_BYTES} bytes` });
  }
  if ((request.query.cursor?.length ?? 0) > MAX_CURSOR_LENGTH) throw new InvalidCursorError();
  if (resource === 'rooms') {
    if (id === undefined || sub !== undefined) return notFound('Not Found');
    const limit = readLimit(request.query, 'limit', DEFAULT_ROOM_LIMIT, MAX_ROOM_LIMIT);
    const room = await store.getRoom(platform, appId, id, { limit });
    return room ? jsonAnswer(200, room) : notFound('room not found');
  }
  if (id === undefined) {
    const status = readStatus(request.query.status);
    const stale = readFlag(request.query, 'stale');
    if (stale && (status === 'completed' || status === 'failed')) {
      throw new BadQueryError('stale=true lists unfinished recordings: status must be recording or stopped');
    }
    return jsonAnswer(
      200,
      await store.listRecordings({
        platform,
        appId,
        status,
        stale,
        limit: readLimit(request.query, 'limit', DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT),
        cursor: request.query.cursor,
      }),
    );
  }
  const key: RecordingKey = { platform, appId, taskId: id };
  if (sub === undefined) {
    const filesLimit = readLimit(request.query, 'filesLimit', DEFAULT_FILES_PAGE, MAX_PAGE_LIMIT);
    const recording = await store.getRecording(key, { filesLimit });
    return recording ? jsonAnswer(200, recording) : notFound('recording not found');
  }
  const page = {
    limit: readLimit(request.query, 'limit', DEFAULT_FILES_PAGE, MAX_PAGE_LIMIT),
    cursor: request.query.cursor,
  };
  if (sub === 'files') {
    const { files, nextCursor } = await store.listFiles(key, page);
    return jsonAnswer(200, { files, nextCursor });
  }
  if (sub === 'events') return jsonAnswer(200, await store.listEvents(key, page));
  return notFound('Not Found');
}

function readLimit(query: Readonly<Record<string, string>>, name: string, defaultValue: number, max: number): number {
  const text = query[name];
  if (text === undefined || text === '') return defaultValue;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    throw new BadQueryError(`${name} must be an integer from 1 to ${max}`);
  }
  return value;
}

function readStatus(text: string | undefined): RecordingStatus | undefined {
  if (text === undefined || text === '') return undefined;
  if ((RECORDING_STATUSES as readonly string[]).includes(text)) return text as RecordingStatus;
  throw new BadQueryError(`status must be one of ${RECORDING_STATUSES.join(', ')}`);
}

function readFlag(query: Readonly<Record<string, string>>, name: string): boolean {
  const text = query[name];
  if (text === undefined || text === '' || text === 'false') return false;
  if (text === 'true') return true;
  throw new BadQueryError(`${name} must be true or false`);
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
