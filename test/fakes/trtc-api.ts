import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { type FakeReply, type FakeVendorApi, type ReceivedRequest, startFakeVendorServer } from './fake-vendor-server';

/**
 * A fake of Tencent Cloud's TRTC API 2019-07-22 as PROTOCOLS.md §8.1 describes it: `POST /`,
 * TC3-HMAC-SHA256 checked from what arrived, errors as HTTP 200 with `Response.Error`.
 */
export type TrtcTaskAnswer = { readonly status: 'Idle' | 'InProgress' | 'Exited' } | { readonly errorCode: string };
export type TrtcScript = TrtcTaskAnswer & { readonly delayMs?: number };

export const TRTC_ANSWERS = {
  alive: { status: 'InProgress' },
  idle: { status: 'Idle' },
  ended: { status: 'Exited' },
  /** What the fake answers for an unscripted task too (PROTOCOLS.md §8.1: "the fake vendor should return"). */
  notFound: { errorCode: 'ResourceNotFound' },
  internalError: { errorCode: 'InternalError.CRInternalError' },
  rateLimited: { errorCode: 'RequestLimitExceeded' },
} as const satisfies Record<string, TrtcTaskAnswer>;

export interface FakeTrtcApiOptions {
  /** SecretId → SecretKey of the accounts the fake knows. */
  readonly credentials: Readonly<Record<string, string>>;
  /** The fake's clock (ms) for the 5-minute window; Date.now by default. */
  readonly now?: () => number;
}

export interface FakeTrtcApi extends FakeVendorApi {
  /** How the vendor answers about this TaskId from now on. Calls are counted by `X-TC-Action`. */
  script(taskId: string, answer: TrtcScript): void;
}

const VERSION = '2019-07-22';
/** "The timestamp is more than 5 minutes from server time" (AuthFailure.SignatureExpire). */
const SIGNATURE_WINDOW_SECONDS = 300;
const AUTHORIZATION =
  /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([a-z]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;
const MESSAGES: Readonly<Record<string, string>> = {
  'AuthFailure.InvalidAuthorization': 'Authorization header is malformed.',
  'AuthFailure.SignatureExpire': 'Signature expired.',
  'AuthFailure.SecretIdNotFound': 'The SecretId is not found.',
  'AuthFailure.SignatureFailure': 'The provided credentials could not be validated.',
  ResourceNotFound: 'The task does not exist.',
  'InternalError.CRInternalError': 'Cloud recording internal error.',
  RequestLimitExceeded: 'Your current request times exceeds the limit.',
};

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmacOf = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * The server's side of TC3-HMAC-SHA256 (the vendor's "Signature v3"): the canonical request is
 * rebuilt from the headers `SignedHeaders` lists, as received, and the raw body. Returns the
 * refusing error code, or undefined.
 */
function signatureRefusal(request: Omit<ReceivedRequest, 'route'>, options: FakeTrtcApiOptions): string | undefined {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  const timestampText = request.headers['x-tc-timestamp'] ?? '';
  if (!match || !/^\d{1,12}$/.test(timestampText)) return 'AuthFailure.InvalidAuthorization';
  const [, secretId = '', date, service, signedHeaders = '', signature = ''] = match;
  const timestamp = Number(timestampText);
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_WINDOW_SECONDS) return 'AuthFailure.SignatureExpire';
  const secretKey = options.credentials[secretId];
  if (secretKey === undefined) return 'AuthFailure.SecretIdNotFound';
  const names = signedHeaders.split(';');
  const scopeDate = new Date(timestamp * 1000).toISOString().slice(0, 10);
  if (date !== scopeDate || service !== 'trtc' || !names.includes('content-type') || !names.includes('host')) {
    return 'AuthFailure.SignatureFailure';
  }
  const canonicalHeaders = names
    .map((name) => `${name}:${(request.headers[name] ?? '').trim().toLowerCase()}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    request.path,
    request.query,
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${scopeDate}/trtc/tc3_request\n${sha256Hex(canonicalRequest)}`;
  const signingKey = hmacOf(hmacOf(hmacOf(`TC3${secretKey}`, scopeDate), 'trtc'), 'tc3_request');
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest();
  const received = Buffer.from(signature, 'hex');
  return timingSafeEqual(expected, received) ? undefined : 'AuthFailure.SignatureFailure';
}

function errorReply(code: string): FakeReply {
  const message = MESSAGES[code] ?? `${code}.`;
  return { status: 200, json: { Response: { Error: { Code: code, Message: message }, RequestId: randomUUID() } } };
}

/** The parameter error of a body that is not `{"SdkAppId": <integer>, "TaskId": "<string>"}`, or undefined. */
function parameterError(body: Buffer): string | undefined {
  let parameters: { SdkAppId?: unknown; TaskId?: unknown };
  try {
    parameters = JSON.parse(body.toString('utf8'));
  } catch {
    return 'InvalidParameter';
  }
  if (parameters.SdkAppId === undefined) return 'MissingParameter.SdkAppId';
  if (!Number.isSafeInteger(parameters.SdkAppId)) return 'InvalidParameter.SdkAppId';
  if (typeof parameters.TaskId !== 'string' || parameters.TaskId === '') return 'MissingParameter.TaskId';
  return undefined;
}

export async function startFakeTrtcApi(options: FakeTrtcApiOptions): Promise<FakeTrtcApi> {
  const scripts = new Map<string, TrtcScript>();
  const server = await startFakeVendorServer((request) => {
    const route = request.headers['x-tc-action'] ?? '(no action)';
    const refusal = signatureRefusal(request, options);
    if (refusal) return { route, refusal, reply: errorReply(refusal) };
    if (request.method !== 'POST' || request.path !== '/') return { route, reply: errorReply('UnsupportedOperation') };
    if (route !== 'DescribeCloudRecording') return { route, reply: errorReply('InvalidAction') };
    if (request.headers['x-tc-version'] !== VERSION) return { route, reply: errorReply('NoSuchVersion') };
    if (!request.headers['x-tc-region']) return { route, reply: errorReply('MissingParameter') };
    const invalid = parameterError(request.body);
    if (invalid) return { route, reply: errorReply(invalid) };
    const taskId = JSON.parse(request.body.toString('utf8')).TaskId as string;
    const script: TrtcScript = scripts.get(taskId) ?? TRTC_ANSWERS.notFound;
    const reply =
      'errorCode' in script
        ? errorReply(script.errorCode)
        : {
            status: 200,
            json: {
              Response: {
                TaskId: taskId,
                Status: script.status,
                // May be null; never lists files going to VOD (PROTOCOLS.md §8.1).
                StorageFileList:
                  script.status === 'Idle'
                    ? null
                    : [
                        {
                          FileName: `${taskId}_main_audio.m3u8`,
                          UserId: 'jeff3',
                          TrackType: 'audio',
                          BeginTimeStamp: 1730087526709,
                        },
                      ],
                RequestId: randomUUID(),
              },
            },
          };
    return { route, reply: { ...reply, ...(script.delayMs !== undefined && { delayMs: script.delayMs }) } };
  });
  return { ...server, script: (taskId, answer) => void scripts.set(taskId, answer) };
}
