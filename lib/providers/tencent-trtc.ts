import { AppNotAllowedError } from '../errors';
import { readInteger, readObject, readString } from '../json';
import { type Interpretation, unmodelled } from '../model/events';
import { finding, type VendorFinding } from '../model/reconciliation';
import {
  type AppliedEvent,
  highestStatus,
  RECORDING_STATUSES,
  type RecordingStatus,
  type StatusRule,
} from '../model/status-rule';
import {
  codeMessageAnswer,
  findApp,
  keysOf,
  type Provider,
  type ProviderEnv,
  type RecordingQuery,
  readAllowUnsigned,
  readApiCredentials,
  requireApp,
  type Vendor,
} from './provider';
import {
  httpFailure,
  isVendorCode,
  readJsonAnswer,
  type VendorHttpAnswer,
  VendorQueryFailure,
  vendorBaseUrl,
  vendorRecordingQuery,
} from './run-vendor-query';
import { tc3Authorization } from './tencent-cloud-api-signature';
import { createTencentImProvider, tencentImOptionsFromEnv } from './tencent-im';
import type { TrtcApp } from './trtc-app';
import { interpretTrtcRecordingEvent, TRTC_CLOUD_RECORDING_GROUP } from './trtc-recording-event';
import { assertAnyKeyMatches, decodeBase64Digest, hmac, requireHeader } from './verification';

/** Tencent Cloud's API host for TRTC; `TRTC_API_ENDPOINT` replaces it, for tests. */
export const DEFAULT_TRTC_API_ENDPOINT = 'https://trtc.tencentcloudapi.com';
const TRTC_API_VERSION = '2019-07-22';

/** TRTC's callback signature: base64 HMAC-SHA256 of the raw body bytes (PROTOCOLS.md §2). */
export function signTrtcBody(key: string, body: Buffer | string): string {
  return hmac('sha256', key, body).toString('base64');
}

export function createTencentTrtcProvider(): Provider<TrtcApp> {
  return {
    endpoint: 'tencent-trtc',
    platform: 'trtc',
    forwardedHeaders: ['content-type', 'sdkappid', 'sign'],
    signatureHeaders: ['sdkappid', 'sign'],
    signatureQuery: [],

    authenticate(request, { apps }): TrtcApp {
      const appId = request.headers.sdkappid;
      const urlAppId = request.query.SdkAppid;
      if (appId && urlAppId && urlAppId !== appId) {
        throw new AppNotAllowedError('app_mismatch', 'SdkAppId header does not match the URL');
      }
      const app = requireApp<TrtcApp>(apps, 'trtc', appId, 'SdkAppId header');
      if (app.callbackKey.size === 0) {
        throw new AppNotAllowedError('app_not_configured', 'this app has no callbackKey configured');
      }
      const sign = requireHeader(request.headers, 'sign');
      assertAnyKeyMatches(app.callbackKey, decodeBase64Digest(sign, 32), (key) => hmac('sha256', key, request.body));
      return app;
    },

    interpret({ appId, body }): Interpretation {
      const group = readInteger(body, 'EventGroupId');
      // Room and media groups, and web-page recording (8) whose payloads we do not model.
      if (group !== TRTC_CLOUD_RECORDING_GROUP) return unmodelled(`EventGroupId ${group ?? 'missing'}`);
      return interpretTrtcRecordingEvent(body, appId);
    },

    answer: codeMessageAnswer,

    sign(request, { appId, key }) {
      request.headers.sdkappid = appId;
      if (key) request.headers.sign = signTrtcBody(key.secret, request.body);
    },

    claimedApp: (callback, apps) => findApp<TrtcApp>(apps, 'trtc', callback.headers.sdkappid),

    signingKeys: (app) => keysOf(app.callbackKey),
  };
}

/**
 * TRTC (PROTOCOLS.md §2): each event implies a status and the task takes the highest, so late or
 * repeated events can never move it backwards. 305 `Status` 0 or 2 means every file is uploaded;
 * 1 means the task ended with files still on the vendor's side.
 */
function trtcEventStatus({ eventType, code }: AppliedEvent): RecordingStatus {
  switch (eventType) {
    case '301':
      return code === null || code === 0 ? 'recording' : 'failed';
    case '302':
      return 'stopped';
    case '305':
      return code === 0 || code === 2 ? 'completed' : 'stopped';
    case '312':
      return code === 0 ? 'completed' : 'failed';
    default:
      return 'recording';
  }
}

export const TRTC_STATUS_RULE: StatusRule = {
  facts: (event) => [trtcEventStatus(event)],
  status: (facts) => highestStatus(facts, RECORDING_STATUSES),
};

/**
 * What `DescribeCloudRecording` says (PROTOCOLS.md §8.1). Errors come as HTTP 200 with
 * `Response.Error`; another status is the transport's. Only the error code is kept: the message
 * could quote the request.
 */
function readDescribeCloudRecording({ status, text }: VendorHttpAnswer): VendorFinding {
  if (status !== 200) return httpFailure(status, undefined);
  const response = readObject(readJsonAnswer(text), 'Response');
  if (!response) throw new VendorQueryFailure('bad answer');
  const error = readObject(response, 'Error');
  if (error) {
    const code = error.Code;
    if (!isVendorCode(code)) throw new VendorQueryFailure('bad answer');
    // The API works only while the task exists; the code for an ended one is undocumented (§8.5).
    const gone = code === 'ResourceNotFound' || code.startsWith('ResourceNotFound.');
    return finding(gone ? 'ended' : 'unknown', code);
  }
  const taskStatus = readString(response, 'Status');
  switch (taskStatus) {
    case 'Idle':
    case 'InProgress':
      return finding('alive', taskStatus);
    case 'Exited': // "in the process of exiting"
      return finding('ended', taskStatus);
    default:
      if (!isVendorCode(taskStatus)) throw new VendorQueryFailure('bad answer');
      return finding('unknown', taskStatus);
  }
}

/** TRTC's `DescribeCloudRecording`, signed TC3-HMAC-SHA256 (PROTOCOLS.md §8.1). */
export const TRTC_RECORDING_QUERY: RecordingQuery<TrtcApp> = vendorRecordingQuery({
  // The vendor allows 20 calls per second to this API; half is left for the user's own calls.
  maxCallsPerSecond: 10,
  credentials: (app: TrtcApp) => app.api && { credentials: app.api, secrets: app.api.secretKey },
  baseUrl: (env) => vendorBaseUrl(env, 'TRTC_API_ENDPOINT', DEFAULT_TRTC_API_ENDPOINT),
  ask: async ({ app, taskId, credentials: { secretId, region }, secret, baseUrl, context, send }) => {
    const url = `${baseUrl}/`;
    const body = JSON.stringify({ SdkAppId: Number(app.appId), TaskId: taskId });
    const timestamp = Math.floor(context.now() / 1000);
    const contentType = 'application/json';
    // As the vendor's SDK: content-type and host signed, Host being the one fetch sends for this URL.
    const authorization = tc3Authorization({
      secretId,
      secretKey: secret,
      service: 'trtc',
      timestamp,
      body,
      signedHeaders: { 'content-type': contentType, host: new URL(url).host },
    });
    const headers = {
      'Content-Type': contentType,
      'X-TC-Action': 'DescribeCloudRecording',
      'X-TC-Version': TRTC_API_VERSION,
      'X-TC-Timestamp': String(timestamp),
      'X-TC-Region': region,
      Authorization: authorization,
    };
    return readDescribeCloudRecording(await send(url, { method: 'POST', headers, body }));
  },
});

/** Chat (tencent-im) and TRTC callbacks feed one namespace, so one TaskId is one recording (README, "Routes and answers"). */
export const TRTC_VENDOR: Vendor<TrtcApp, 'tencent-im' | 'tencent-trtc'> = {
  platform: 'trtc',
  endpoints: ['tencent-im', 'tencent-trtc'],
  secretFields: ['imToken', 'callbackKey', 'api.secretKey'],
  bodyKeys: ['EventInfo', 'RoomInfo'],
  statusRule: TRTC_STATUS_RULE,
  parseApp: (appId, entry) => {
    const api = readApiCredentials(entry, { plain: ['secretId', 'region'], secret: ['secretKey'] });
    // DescribeCloudRecording takes the SdkAppId as an integer (PROTOCOLS.md §8.1).
    if (api && !/^[1-9]\d{0,9}$/.test(appId)) {
      return entry.fail('"api" needs a numeric appId: DescribeCloudRecording takes the SdkAppId as an integer');
    }
    return {
      platform: 'trtc',
      appId,
      imToken: entry.secret('imToken', false),
      callbackKey: entry.secret('callbackKey', false),
      allowUnsigned: readAllowUnsigned(entry),
      ...(api && { api }),
    };
  },
  createProviders: (env: ProviderEnv) => [
    createTencentImProvider(tencentImOptionsFromEnv(env)),
    createTencentTrtcProvider(),
  ],
  recordingQuery: TRTC_RECORDING_QUERY,
};
