import { createHmac, timingSafeEqual } from 'node:crypto';
import { type FakeReply, type FakeVendorApi, type ReceivedRequest, startFakeVendorServer } from './fake-vendor-server';

/**
 * A fake of a self-hosted LiveKit server's `ListEgress` (Twirp) as PROTOCOLS.md §8.4 describes it:
 * a `Bearer` HS256 token with the `roomRecord` grant, proto field names with zero values in the
 * answer, 404 `not_found` for an unknown egress id.
 */
export type EgressStatusName =
  | 'EGRESS_STARTING'
  | 'EGRESS_ACTIVE'
  | 'EGRESS_ENDING'
  | 'EGRESS_COMPLETE'
  | 'EGRESS_FAILED'
  | 'EGRESS_ABORTED'
  | 'EGRESS_LIMIT_REACHED';
export type LiveKitEgressAnswer =
  | {
      readonly kind: 'egress';
      readonly status: EgressStatusName;
      /** File results' names; each gets a location under https://bucket.example.com/. */
      readonly files?: readonly string[];
      /** int64 nanoseconds, as a string. */
      readonly updatedAt?: string;
    }
  /** 200 with no items: what a server answers for a filter nothing matches (LiveKit Cloud, unverified). */
  | { readonly kind: 'no items' }
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly msg: string };
export type LiveKitScript = LiveKitEgressAnswer & { readonly delayMs?: number };

export const LIVEKIT_ANSWERS = {
  starting: { kind: 'egress', status: 'EGRESS_STARTING' },
  active: { kind: 'egress', status: 'EGRESS_ACTIVE' },
  complete: { kind: 'egress', status: 'EGRESS_COMPLETE', files: ['recordings/room-42/egress.mp4'] },
  failed: { kind: 'egress', status: 'EGRESS_FAILED' },
  noItems: { kind: 'no items' },
  internalError: { kind: 'error', status: 500, code: 'internal', msg: 'internal error' },
  rateLimited: { kind: 'error', status: 429, code: 'resource_exhausted', msg: 'rate limit exceeded' },
} as const satisfies Record<string, LiveKitEgressAnswer>;

export interface FakeLiveKitApiOptions {
  /** API key → secret the server knows. */
  readonly apiKeys: Readonly<Record<string, string>>;
  /** The server's clock (ms) for `exp` and `nbf`; Date.now by default. */
  readonly now?: () => number;
}

export interface FakeLiveKitApi extends FakeVendorApi {
  /** How the server answers about this egress from now on; an unscripted one is 404 `not_found`. Calls are counted by Twirp method (`ListEgress`). */
  script(egressId: string, answer: LiveKitScript): void;
}

/** The server's JWT check allows 60 s of clock skew (PROTOCOLS.md §8.4). */
const LEEWAY_SECONDS = 60;
const TWIRP_PREFIX = '/twirp/livekit.Egress/';
const FINAL = new Set<EgressStatusName>(['EGRESS_COMPLETE', 'EGRESS_FAILED', 'EGRESS_ABORTED', 'EGRESS_LIMIT_REACHED']);

function twirpError(status: number, code: string, msg: string): FakeReply {
  return { status, json: { code, msg } };
}

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The server's check of an API token (livekit `pkg/service/auth.go`); returns why it refuses, or undefined. */
function tokenRefusal(request: Omit<ReceivedRequest, 'route'>, options: FakeLiveKitApiOptions): string | undefined {
  const authorization = request.headers.authorization ?? '';
  if (!authorization.startsWith('Bearer ')) return 'no Bearer token';
  const [header, payload, signature, ...rest] = authorization.slice('Bearer '.length).split('.');
  const claims = decodePart(payload);
  if (rest.length > 0 || decodePart(header)?.alg !== 'HS256' || !claims || signature === undefined) {
    return 'not an HS256 JWT';
  }
  const secret = typeof claims.iss === 'string' ? options.apiKeys[claims.iss] : undefined;
  if (secret === undefined) return 'unknown API key';
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const received = Buffer.from(signature, 'base64url');
  if (expected.length !== received.length || !timingSafeEqual(expected, received)) return 'invalid signature';
  const now = (options.now ?? Date.now)() / 1000;
  if (typeof claims.exp !== 'number' || now > claims.exp + LEEWAY_SECONDS) return 'token expired';
  if (typeof claims.nbf === 'number' && now < claims.nbf - LEEWAY_SECONDS) return 'token not valid yet';
  const video = claims.video as { roomRecord?: unknown } | undefined;
  if (video?.roomRecord !== true) return 'permissions denied';
  return undefined;
}

/** An EgressInfo as the server's Twirp JSON writes it: proto names, zero values included, int64 as strings. */
function egressInfo(egressId: string, egress: Extract<LiveKitEgressAnswer, { kind: 'egress' }>) {
  const ended = FINAL.has(egress.status);
  const failed = egress.status === 'EGRESS_FAILED';
  return {
    egress_id: egressId,
    room_id: 'RM_Rk2ZbX7mQ4hN',
    room_name: 'room-42',
    source_type: 'EGRESS_SOURCE_TYPE_WEB',
    status: egress.status,
    started_at: '1700000000123456789',
    ended_at: ended ? '1700000600987654321' : '0',
    updated_at: egress.updatedAt ?? '1700000601000000000',
    details: ended ? 'End reason: StopEgress API' : '',
    error: failed ? 'pipeline failed' : '',
    error_code: failed ? 500 : 0,
    room_composite: {
      room_name: 'room-42',
      layout: 'speaker',
      audio_only: false,
      file_outputs: [
        {
          file_type: 'MP4',
          filepath: 'recordings/{room_name}/{time}.mp4',
          disable_manifest: false,
          // A map field: its keys are the user's, kept as written.
          s3: { bucket: 'bucket', region: 'us-east-1', metadata: { recorded_by: 'rtc-recording-callbacks' } },
        },
      ],
    },
    stream_results: [],
    file_results: (egress.files ?? []).map((filename) => ({
      filename,
      started_at: '1700000000500000000',
      ended_at: ended ? '1700000600900000000' : '0',
      duration: ended ? '600400000000' : '0',
      size: '9007199254740993',
      location: `https://bucket.example.com/${filename}`,
    })),
    segment_results: [],
    image_results: [],
    manifest_location: '',
    backup_storage_used: false,
    retry_count: 0,
  };
}

export async function startFakeLiveKitApi(options: FakeLiveKitApiOptions): Promise<FakeLiveKitApi> {
  const scripts = new Map<string, LiveKitScript>();
  const server = await startFakeVendorServer((request) => {
    const route = request.path.startsWith(TWIRP_PREFIX) ? request.path.slice(TWIRP_PREFIX.length) : request.path;
    const refusal = tokenRefusal(request, options);
    if (refusal) return { route, refusal, reply: twirpError(401, 'unauthenticated', refusal) };
    if (request.method !== 'POST' || route !== 'ListEgress') {
      return { route, reply: twirpError(404, 'bad_route', `no handler for path ${request.path}`) };
    }
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      return { route, reply: twirpError(404, 'bad_route', 'unexpected Content-Type') };
    }
    let filter: { egress_id?: unknown; egressId?: unknown };
    try {
      filter = JSON.parse(request.body.toString('utf8') || '{}');
    } catch {
      return { route, reply: twirpError(400, 'malformed', 'the json request could not be decoded') };
    }
    // protojson accepts the proto name and the JSON name.
    const egressId = filter.egress_id ?? filter.egressId;
    if (typeof egressId !== 'string' || egressId === '') {
      const items = [...scripts].flatMap(([id, script]) => (script.kind === 'egress' ? [egressInfo(id, script)] : []));
      return { route, reply: { status: 200, json: { items, next_page_token: '' } } };
    }
    const script = scripts.get(egressId);
    if (!script) return { route, reply: twirpError(404, 'not_found', 'egress does not exist') };
    const delay = script.delayMs !== undefined ? { delayMs: script.delayMs } : {};
    const reply: FakeReply =
      script.kind === 'error'
        ? twirpError(script.status, script.code, script.msg)
        : {
            status: 200,
            json: { items: script.kind === 'egress' ? [egressInfo(egressId, script)] : [], next_page_token: '' },
          };
    return { route, reply: { ...reply, ...delay } };
  });
  return { ...server, script: (egressId, answer) => void scripts.set(egressId, answer) };
}
