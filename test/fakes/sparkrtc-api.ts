import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { type FakeReply, type FakeVendorApi, type ReceivedRequest, startFakeVendorServer } from './fake-vendor-server';

/**
 * A fake of SparkRTC's two job queries as PROTOCOLS.md §8.2 describes them:
 * `GET /v2/apps/{app_id}/mix-stream-jobs/{job_id}` and `…/individual-stream-jobs/{job_id}`,
 * behind Huawei's API gateway, which checks SDK-HMAC-SHA256 (AK/SK) first.
 */
export type SparkRtcJobState = 'INIT' | 'RUNNING' | 'STOPPED';
export type SparkRtcStopReason = 'TENANT_STOP' | 'EXCEED_MAX_IDLE_TIME' | 'INTERNAL_ERROR';
export type SparkRtcJobAnswer =
  | {
      /** Which query knows the job; the other answers 404. */
      readonly kind: 'mix' | 'individual';
      readonly state: SparkRtcJobState;
      readonly stopReason?: SparkRtcStopReason;
    }
  /** Both queries answer this error. */
  | { readonly kind: 'error'; readonly status: number; readonly errorCode: string; readonly errorMsg: string };
export type SparkRtcScript = SparkRtcJobAnswer & { readonly delayMs?: number };

export const SPARKRTC_ANSWERS = {
  starting: { kind: 'mix', state: 'INIT' },
  alive: { kind: 'mix', state: 'RUNNING' },
  ended: { kind: 'mix', state: 'STOPPED', stopReason: 'TENANT_STOP' },
  failed: { kind: 'mix', state: 'STOPPED', stopReason: 'INTERNAL_ERROR' },
  /** Found only by the single-stream query, after a 404 from the mixed-stream one. */
  individualAlive: { kind: 'individual', state: 'RUNNING' },
  serverError: { kind: 'error', status: 500, errorCode: 'RTC.00002001', errorMsg: 'InternalError' },
  /** The gateway's throttling answer. */
  rateLimited: {
    kind: 'error',
    status: 429,
    errorCode: 'APIGW.0308',
    errorMsg: 'The throttling threshold has been reached',
  },
} as const satisfies Record<string, SparkRtcJobAnswer>;

export interface FakeSparkRtcApiOptions {
  /** AK → its SK and the project it may act in. */
  readonly credentials: Readonly<Record<string, { readonly sk: string; readonly projectId: string }>>;
  /** The gateway's clock (ms), for X-Sdk-Date's 15-minute window; Date.now by default. */
  readonly now?: () => number;
}

export interface FakeSparkRtcApi extends FakeVendorApi {
  /** How the vendor answers about this job from now on; an unscripted job is a 404 on both queries. Calls are counted by collection (`mix-stream-jobs`, `individual-stream-jobs`). */
  script(jobId: string, answer: SparkRtcScript): void;
}

/** The gateway refuses an X-Sdk-Date more than 15 minutes from its clock (Huawei APIG FAQ). */
const SIGNATURE_WINDOW_MS = 15 * 60_000;
const AUTHORIZATION = /^SDK-HMAC-SHA256 Access=([^,\s]+), SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const JOB_PATH = /^\/v2\/apps\/([^/]+)\/(mix-stream-jobs|individual-stream-jobs)\/([^/]+)$/;

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** RFC 3986: everything but the unreserved characters is percent-encoded (the signing guide's URI encoding). */
function uriEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/**
 * The gateway's side of SDK-HMAC-SHA256, from Huawei's "API Request Signing Guide": the canonical
 * request is the method, each path segment URI-encoded with a trailing "/", the sorted query, the
 * headers `SignedHeaders` lists (`name:trimmed value`), the list itself and the hex SHA-256 of the
 * body; the string to sign is `SDK-HMAC-SHA256`, X-Sdk-Date and the canonical request's hex SHA-256;
 * the signature is hex HMAC-SHA256 with the SK. Returns why it refuses, or undefined.
 */
function signatureRefusal(
  request: Omit<ReceivedRequest, 'route'>,
  options: FakeSparkRtcApiOptions,
): string | undefined {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!match) return 'Authorization is not SDK-HMAC-SHA256';
  const [, accessKey = '', signedHeaders = '', signature = ''] = match;
  const sdkDate = request.headers['x-sdk-date'] ?? '';
  const date = SDK_DATE.exec(sdkDate);
  if (!date) return 'x-sdk-date is missing or malformed';
  const [, year, month, day, hour, minute, second] = date.map(Number);
  const signedAt = Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
  if (Math.abs((options.now ?? Date.now)() - signedAt) > SIGNATURE_WINDOW_MS) return 'signature expired';
  const credential = options.credentials[accessKey];
  if (!credential) return 'ak not found';
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-sdk-date')) return 'host and x-sdk-date must be signed';
  const path = request.path.split('/').map(uriEncode).join('/');
  const query = [...new URLSearchParams(request.query)]
    .map(([name, value]) => `${uriEncode(name)}=${uriEncode(value)}`)
    .sort()
    .join('&');
  const canonicalRequest = [
    request.method,
    path.endsWith('/') ? path : `${path}/`,
    query,
    names.map((name) => `${name}:${(request.headers[name] ?? '').trim()}\n`).join(''),
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const stringToSign = `SDK-HMAC-SHA256\n${sdkDate}\n${sha256Hex(canonicalRequest)}`;
  const expected = createHmac('sha256', credential.sk).update(stringToSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'verify aksk signature fail';
  if (request.headers['x-project-id'] !== credential.projectId) return 'the project is not the AK owner’s';
  return undefined;
}

function huaweiError(status: number, errorCode: string, errorMsg: string): FakeReply {
  return { status, json: { error_code: errorCode, error_msg: errorMsg, request_id: randomUUID() } };
}

type ScriptedJob = Extract<SparkRtcJobAnswer, { readonly state: SparkRtcJobState }>;

/** A job as the query answers it (PROTOCOLS.md §8.2), with the fields of its kind. */
function jobReply(appId: string, collection: string, jobId: string, job: ScriptedJob): FakeReply {
  const stopped = job.state === 'STOPPED';
  const common = {
    job_id: jobId,
    stream_name: '',
    app_id: appId,
    room_id: 'room01',
    record_param: { record_rule_id: 'rule-0001' },
    create_time: '2023-11-14T22:00:00.075Z',
    update_time: '2023-11-14T22:10:00.075Z',
    start_time: '2023-11-14T22:00:01.075Z',
    ...(stopped && { stop_time: '2023-11-14T22:10:00.075Z' }),
    state: job.state,
    ...(job.stopReason !== undefined && { stop_reason: job.stopReason }),
    description: stopped ? 'job stopped' : 'job running',
  };
  const byKind =
    collection === 'mix-stream-jobs'
      ? { mix_param: { layout_template: 'grid' } }
      : {
          user_id: 'user-1',
          is_record_audio: true,
          video_type: 'CAMERASTREAM',
          select_stream_type: 'HD',
          max_idle_time: 30,
        };
  return { status: 200, json: { ...common, ...byKind }, headers: { 'X-request-Id': randomUUID() } };
}

export async function startFakeSparkRtcApi(options: FakeSparkRtcApiOptions): Promise<FakeSparkRtcApi> {
  const scripts = new Map<string, SparkRtcScript>();
  const server = await startFakeVendorServer((request) => {
    const path = JOB_PATH.exec(request.path);
    const route = path?.[2] ?? request.path;
    const refusal = signatureRefusal(request, options);
    if (refusal) {
      return {
        route,
        refusal,
        reply: huaweiError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${refusal}`),
      };
    }
    // Neither the path nor the job's body is documented for a missing job (PROTOCOLS.md §8.2, unverified).
    const notFound = huaweiError(404, 'RTC.00001003', 'the job does not exist');
    if (request.method !== 'GET' || !path) return { route, reply: notFound };
    const [, appId = '', collection = '', jobId = ''] = path;
    const script = scripts.get(decodeURIComponent(jobId));
    const delay = script?.delayMs !== undefined ? { delayMs: script.delayMs } : {};
    if (!script) return { route, reply: notFound };
    if (script.kind === 'error') {
      return { route, reply: { ...huaweiError(script.status, script.errorCode, script.errorMsg), ...delay } };
    }
    const served = script.kind === 'mix' ? 'mix-stream-jobs' : 'individual-stream-jobs';
    if (collection !== served) return { route, reply: { ...notFound, ...delay } };
    return { route, reply: { ...jobReply(decodeURIComponent(appId), collection, jobId, script), ...delay } };
  });
  return { ...server, script: (jobId, answer) => void scripts.set(jobId, answer) };
}
