import type { SecretSet } from '../config/secrets';
import { getNumberFromEnv } from '../env';
import { AppNotAllowedError, BadRequestError, type CallbackError, VerificationError } from '../errors';
import { jsonAnswer } from '../http/answer';
import { readIdentifier, readString } from '../json';
import { withEventId } from '../model/event-id';
import { type FileMention, type Interpretation, unmodelled } from '../model/events';
import { checkIdField, readVendorIsoTime } from '../model/input-bounds';
import { finding, type VendorFinding } from '../model/reconciliation';
import type { StatusRule } from '../model/status-rule';
import { bodyIdentifier } from './body-identifier';
import { signHuaweiApiRequest } from './huawei-api-signature';
import {
  findApp,
  keysOf,
  type Provider,
  type ProviderEnv,
  type RecordingQuery,
  readAllowUnsigned,
  readApiCredentials,
  requireApp,
  type SignOptions,
  type Vendor,
} from './provider';
import {
  httpFailure,
  isVendorCode,
  readErrorCode,
  readJsonAnswer,
  type VendorHttpAnswer,
  VendorQueryFailure,
  vendorBaseUrl,
  vendorRecordingQuery,
} from './run-vendor-query';
import {
  assertAnyKeyMatches,
  assertFresh,
  decodeHexDigest,
  hmac,
  parseUnixTimestamp,
  requireHeader,
} from './verification';

/**
 * The vendor documents no window for X-Rtc-Timestamp (PROTOCOLS.md §4); five minutes refuses
 * old replays while leaving room for the vendor's own retries.
 */
export const DEFAULT_SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS = 300;

const TASK_OVER = 'CLOUD_RECORD_SERVER_OVER';
/** One vendor page spells the task-over event without SERVER_ (PROTOCOLS.md §4). */
const EVENT_ALIASES: Record<string, string> = { CLOUD_RECORD_OVER: TASK_OVER };
const RECORDING_EVENTS = new Set(['RECORD_NEW_FILE_START', 'RECORD_FILE_COMPLETE', TASK_OVER]);
/** Subscribable, but with no documented payload: kept on their task as opaque events. */
const OPAQUE_EVENTS = new Set([
  'RTC_USER_ROLE_CHANGED',
  'RTC_AUDIO_STREAM_OPEN',
  'RTC_AUDIO_STREAM_CLOSE',
  'RTC_VIDEO_STREAM_OPEN',
  'RTC_VIDEO_STREAM_CLOSE',
]);

/** SparkRTC's signature: lower-case hex HMAC-SHA256(key, rand + timestamp + raw body). */
export function signSparkRtcBody(key: string, rand: string, timestamp: string, body: Buffer | string): string {
  return hmac('sha256', key, rand, timestamp, body).toString('hex');
}

export interface HuaweiSparkRtcOptions {
  /** Seconds X-Rtc-Timestamp may differ from now, either way; seconds or milliseconds are accepted. 0 turns it off. */
  timestampToleranceSeconds?: number;
}

/** Huawei Cloud AK/SK credentials for SparkRTC's API (README, "The apps document"): the job queries of reconciliation. */
export interface SparkRtcApiCredentials {
  readonly ak: string;
  readonly sk: SecretSet;
  readonly projectId: string;
}

export interface SparkRtcApp {
  readonly platform: 'sparkrtc';
  readonly appId: string;
  readonly authKey: SecretSet;
  /** Only consulted when no `authKey` is set: SparkRTC then sends no auth headers at all. */
  readonly allowUnsigned: boolean;
  readonly api?: SparkRtcApiCredentials;
}

/** SparkRTC's API host (PROTOCOLS.md §4); `SPARKRTC_API_ENDPOINT` replaces it, for tests. */
export const DEFAULT_SPARKRTC_API_ENDPOINT = 'https://rtc-api.myhuaweicloud.com';

/** Reads SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS. */
export function huaweiSparkRtcOptionsFromEnv(env: ProviderEnv): HuaweiSparkRtcOptions {
  return {
    timestampToleranceSeconds: getNumberFromEnv({
      env,
      key: 'SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS',
      defaultValue: DEFAULT_SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS,
      allowZero: true,
    }),
  };
}

/** SparkRTC's signing options: the X-Rtc-Rand to send, random when unset. */
export interface SparkRtcSignOptions extends SignOptions {
  readonly rand?: string;
}

export function createHuaweiSparkRtcProvider(
  options: HuaweiSparkRtcOptions = {},
): Provider<SparkRtcApp, SparkRtcSignOptions> {
  const tolerance = options.timestampToleranceSeconds ?? DEFAULT_SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS;
  return {
    endpoint: 'huawei-sparkrtc',
    platform: 'sparkrtc',
    forwardedHeaders: ['content-type', 'x-rtc-rand', 'x-rtc-timestamp', 'x-rtc-signature'],
    signatureHeaders: ['x-rtc-rand', 'x-rtc-timestamp', 'x-rtc-signature'],
    signatureQuery: [],

    authenticate(request, { apps, body }): SparkRtcApp {
      const appId = readIdentifier(body(), 'app_id');
      if (appId !== undefined && request.query.appId && request.query.appId !== appId) {
        throw new AppNotAllowedError('app_mismatch', 'app_id does not match the URL');
      }
      const app = requireApp<SparkRtcApp>(apps, 'sparkrtc', appId, 'app_id');
      if (app.authKey.size === 0) {
        // Without an auth_key the vendor sends no auth headers at all: opt in explicitly.
        if (app.allowUnsigned) return app;
        throw new VerificationError(
          'missing_signature',
          'this app has no authKey and does not allow unsigned callbacks',
        );
      }
      const rand = requireHeader(request.headers, 'x-rtc-rand');
      const timestamp = requireHeader(request.headers, 'x-rtc-timestamp');
      const signature = requireHeader(request.headers, 'x-rtc-signature');
      assertFresh(parseUnixTimestamp(timestamp, 'X-Rtc-Timestamp'), request.receivedAt, tolerance, 'X-Rtc-Timestamp');
      assertAnyKeyMatches(app.authKey, decodeHexDigest(signature, 32), (key) =>
        hmac('sha256', key, rand, timestamp, request.body),
      );
      return app;
    },

    interpret({ appId, body }): Interpretation {
      const rawType = readString(body, 'event_type');
      if (!rawType) throw new BadRequestError('event_type is missing');
      const eventType = EVENT_ALIASES[rawType] ?? rawType;
      const isOpaque = OPAQUE_EVENTS.has(eventType);
      if (!RECORDING_EVENTS.has(eventType) && !isOpaque) return unmodelled(rawType);
      const taskId = readIdentifier(body, 'job_id');
      if (taskId === undefined) {
        if (isOpaque) return unmodelled(`${rawType} without job_id`);
        throw new BadRequestError('job_id is missing');
      }
      const startTime = readVendorIsoTime(body, 'start_time');
      readVendorIsoTime(body, 'end_time');
      checkIdField(body, 'stream_name');
      return {
        kind: 'event',
        event: withEventId(
          {
            kind: 'recording',
            platform: 'sparkrtc',
            appId,
            taskId,
            roomId: readIdentifier(body, 'room_id') ?? null,
            eventType,
            code: null,
            seqNo: null,
            files: eventType === 'RECORD_FILE_COMPLETE' ? [completedFile(body)] : [],
            occurredAt: startTime ?? null,
            indexInRoom: true,
          } as const,
          // Auth headers are the only delivery metadata; the body is the content (README, "What counts as the same event").
          () => body,
        ),
      };
    },

    answer(error: CallbackError | null) {
      return error === null
        ? jsonAnswer(200, { status: 1, result: 'success' })
        : jsonAnswer(error.status, { status: 0, result: error.message });
    },

    sign(request, { key, now, rand = Math.random().toString(16).slice(2, 10) }) {
      if (!key) return;
      const seconds = String(Math.floor(now / 1000));
      request.headers['x-rtc-rand'] = rand;
      request.headers['x-rtc-timestamp'] = seconds;
      request.headers['x-rtc-signature'] = signSparkRtcBody(key.secret, rand, seconds, request.body);
    },

    claimedApp: (callback, apps) => findApp<SparkRtcApp>(apps, 'sparkrtc', bodyIdentifier(callback.body, 'app_id')),

    signingKeys: (app) => keysOf(app.authKey),
  };
}

/**
 * SparkRTC (PROTOCOLS.md §4): the task is over on CLOUD_RECORD_SERVER_OVER; it is completed once
 * it is over and at least one file is complete, stopped if it is over with no file seen yet.
 * Facts are the event types.
 */
export const SPARKRTC_STATUS_RULE: StatusRule = {
  facts: ({ eventType }) => [eventType],
  status: (facts) => {
    if (!facts.has('CLOUD_RECORD_SERVER_OVER')) return 'recording';
    return facts.has('RECORD_FILE_COMPLETE') ? 'completed' : 'stopped';
  },
};

/** The two job queries, mixed-stream first: a callback does not say which kind its job is (PROTOCOLS.md §8.2). */
const JOB_COLLECTIONS = ['mix-stream-jobs', 'individual-stream-jobs'] as const;

/** What a job's answer says (PROTOCOLS.md §8.2). */
function readSparkRtcJob({ status, text }: VendorHttpAnswer): VendorFinding {
  if (status !== 200) return httpFailure(status, readErrorCode(text, 'error_code'));
  const job = readJsonAnswer(text);
  const state = readString(job, 'state');
  switch (state) {
    case 'INIT':
    case 'RUNNING':
      return finding('alive', state);
    case 'STOPPED': {
      const reason = readString(job, 'stop_reason');
      if (reason === undefined || reason === '') return finding('ended', 'STOPPED');
      if (!isVendorCode(reason)) throw new VendorQueryFailure('bad answer');
      return finding(reason === 'INTERNAL_ERROR' ? 'failed' : 'ended', `STOPPED/${reason}`);
    }
    default:
      if (!isVendorCode(state)) throw new VendorQueryFailure('bad answer');
      return finding('unknown', state);
  }
}

/** SparkRTC's "Querying a Mixed Stream / Single Stream Recording Job", signed with AK/SK (PROTOCOLS.md §8.2). */
export const SPARKRTC_RECORDING_QUERY: RecordingQuery<SparkRtcApp> = vendorRecordingQuery({
  // The vendor publishes no limit for these queries; a query may make two calls, so 5 stays at 10 calls/s.
  maxCallsPerSecond: 5,
  credentials: (app: SparkRtcApp) => app.api && { credentials: app.api, secrets: app.api.sk },
  // URL parsers resolve `.` and `..` segments, escaped or not: such an id would address another path.
  refuseTaskId: (taskId) =>
    taskId === '.' || taskId === '..' || taskId.includes('/') ? 'job id not queryable' : undefined,
  baseUrl: (env) => vendorBaseUrl(env, 'SPARKRTC_API_ENDPOINT', DEFAULT_SPARKRTC_API_ENDPOINT),
  ask: async ({ app, taskId, credentials: { ak, projectId }, secret, baseUrl, context, send }) => {
    for (const jobs of JOB_COLLECTIONS) {
      const url = new URL(`${baseUrl}/v2/apps/${encodeURIComponent(app.appId)}/${jobs}/${encodeURIComponent(taskId)}`);
      const headers = signHuaweiApiRequest({
        method: 'GET',
        url,
        headers: { 'Content-Type': 'application/json', 'X-Project-Id': projectId },
        body: '',
        accessKey: ak,
        secretKey: secret,
        now: context.now(),
      });
      const answer = await send(url.href, { method: 'GET', headers });
      if (answer.status !== 404) return readSparkRtcJob(answer);
      // Only the service's own "no such job" is one: a gateway 404 (`APIGW.*`, a wrong endpoint or
      // path) or one without a code would otherwise end every stale recording for good.
      const code = readErrorCode(answer.text, 'error_code');
      if (code === undefined || code.startsWith('APIGW.')) return httpFailure(404, code);
    }
    // A job of neither kind. It existed, since its callbacks came, so it was purged: it has ended.
    return finding('ended', 'not found');
  },
});

export const SPARKRTC_VENDOR: Vendor<SparkRtcApp, 'huawei-sparkrtc'> = {
  platform: 'sparkrtc',
  endpoints: ['huawei-sparkrtc'],
  secretFields: ['authKey', 'api.sk'],
  bodyKeys: ['event_type', 'download_url'],
  statusRule: SPARKRTC_STATUS_RULE,
  parseApp: (appId, entry) => {
    const api = readApiCredentials(entry, { plain: ['ak', 'projectId'], secret: ['sk'] });
    return {
      platform: 'sparkrtc',
      appId,
      authKey: entry.secret('authKey', false),
      allowUnsigned: readAllowUnsigned(entry),
      ...(api && { api }),
    };
  },
  createProviders: (env) => [createHuaweiSparkRtcProvider(huaweiSparkRtcOptionsFromEnv(env))],
  recordingQuery: SPARKRTC_RECORDING_QUERY,
};

function completedFile(body: Parameters<typeof readString>[0]): FileMention {
  const url = readString(body, 'download_url') ?? null;
  const name = readString(body, 'obs_object') ?? url;
  if (!name) throw new BadRequestError('RECORD_FILE_COMPLETE needs obs_object or download_url');
  return { name, url, status: 'uploaded' };
}
