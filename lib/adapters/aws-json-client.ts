import { AwsV4Signer } from 'aws4fetch';

/**
 * One AWS service spoken over the AWS JSON protocol (`X-Amz-Target: <prefix>.<Operation>`), signed
 * with SigV4 by aws4fetch. Ingest needs two calls (SQS SendMessage, SSM GetParameter); the SDK's
 * clients for them were 650 KB of its 719 KB bundle and most of its cold start (BENCHMARKS.md).
 */
export interface AwsJsonClient {
  /** Calls one operation and returns its parsed JSON answer, or throws an `AwsRequestError`. */
  call<T = Record<string, unknown>>(operation: string, input: Record<string, unknown>): Promise<T>;
}

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsJsonClientOptions {
  /** The SigV4 service name: `sqs`, `ssm`. */
  service: string;
  /** The JSON protocol's target prefix: `AmazonSQS`, `AmazonSSM`. */
  targetPrefix: string;
  /** The protocol version the service's API model names: SQS speaks awsJson1_0, SSM awsJson1_1. */
  jsonVersion: '1.0' | '1.1';
  region: string;
  /** Where requests go, e.g. `https://sqs.eu-west-1.amazonaws.com` or an emulator. */
  endpoint: string;
  /** Resolved on the first call, as the SDK's `fromEnv` does; a function so tests can rotate them. */
  credentials: AwsCredentials | (() => AwsCredentials);
  /** Attempts in all, first one included. Default 3, as the SDK's standard mode. */
  maxAttempts?: number;
  /** One attempt is abandoned after this long. Default 500 ms. */
  attemptTimeoutMs?: number;
  /** No attempt starts, and none runs on, past this long after the call began. Default 1,000 ms. */
  totalTimeoutMs?: number;
  /** Backoff before retry n (1-based): a random delay up to min(cap, base × 2^(n-1)). Default 25 ms. */
  baseDelayMs?: number;
  /** Default 250 ms. */
  maxDelayMs?: number;
}

export const AWS_JSON_CLIENT_DEFAULTS = {
  maxAttempts: 3,
  attemptTimeoutMs: 500,
  totalTimeoutMs: 1_000,
  baseDelayMs: 25,
  maxDelayMs: 250,
} as const;

/** The SDK's throttling and transient error codes (@smithy/service-error-classification). */
const RETRYABLE_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/**
 * A failed AWS call. The message names the operation, the status and AWS's error code and message,
 * never a credential, a signature or the request body.
 */
export class AwsRequestError extends Error {
  /** AWS's error code (`ThrottlingException`, `ParameterNotFound`), or `NetworkError` / `TimeoutError`. */
  readonly code: string;
  /** The HTTP status, or 0 when no answer came. */
  readonly status: number;
  readonly retryable: boolean;
  readonly attempts: number;

  constructor(options: { operation: string; code: string; status: number; detail: string; attempts: number }) {
    super(`${options.operation} failed (${options.status || 'no answer'} ${options.code}): ${options.detail}`);
    this.name = 'AwsRequestError';
    this.code = options.code;
    this.status = options.status;
    // No answer (a refused connection, a timeout) is retried like a 5xx: a duplicate is harmless, as
    // process dedupes every event, while a lost acknowledgement is not.
    this.retryable =
      options.status === 0 || options.status >= 500 || options.status === 429 || RETRYABLE_CODES.has(options.code);
    this.attempts = options.attempts;
  }
}

/** Reads the Lambda environment's credentials (the execution role's, session token included). */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required (Lambda sets them)');
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

/** AWS_REGION (set by Lambda), or AWS_DEFAULT_REGION. */
export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('AWS_REGION is required');
  return region;
}

/**
 * The endpoint the SDK would use: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL` (how the
 * local stack and the tests point the handlers at emulators), then `fallback`.
 */
export function endpointFromEnv(service: string, fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL || fallback;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createAwsJsonClient(options: AwsJsonClientOptions): AwsJsonClient {
  const maxAttempts = options.maxAttempts ?? AWS_JSON_CLIENT_DEFAULTS.maxAttempts;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? AWS_JSON_CLIENT_DEFAULTS.attemptTimeoutMs;
  const totalTimeoutMs = options.totalTimeoutMs ?? AWS_JSON_CLIENT_DEFAULTS.totalTimeoutMs;
  const baseDelayMs = options.baseDelayMs ?? AWS_JSON_CLIENT_DEFAULTS.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? AWS_JSON_CLIENT_DEFAULTS.maxDelayMs;
  const url = new URL('/', options.endpoint).toString();
  // aws4fetch keeps the derived signing key here, so it is computed once a day, not per request.
  const keyCache = new Map<string, ArrayBuffer>();
  let credentials: AwsCredentials | undefined;

  async function attempt(operation: string, body: string, signal: AbortSignal, attempts: number): Promise<unknown> {
    credentials ??= typeof options.credentials === 'function' ? options.credentials() : options.credentials;
    const signed = await new AwsV4Signer({
      method: 'POST',
      url,
      headers: {
        'content-type': `application/x-amz-json-${options.jsonVersion}`,
        'x-amz-target': `${options.targetPrefix}.${operation}`,
      },
      body,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      service: options.service,
      region: options.region,
      cache: keyCache,
    }).sign();
    const response = await fetch(signed.url, { method: 'POST', headers: signed.headers, body, signal });
    const text = await response.text();
    if (response.ok) return text === '' ? {} : JSON.parse(text);
    const { code, message } = parseAwsError(text, response.headers);
    throw new AwsRequestError({ operation, code, status: response.status, detail: message, attempts });
  }

  return {
    async call<T>(operation: string, input: Record<string, unknown>): Promise<T> {
      const body = JSON.stringify(input);
      const deadline = Date.now() + totalTimeoutMs;
      for (let attempts = 1; ; attempts += 1) {
        const remaining = deadline - Date.now();
        const signal = AbortSignal.timeout(Math.max(1, Math.min(attemptTimeoutMs, remaining)));
        let failure: AwsRequestError;
        try {
          return (await attempt(operation, body, signal, attempts)) as T;
        } catch (caught) {
          failure = toAwsRequestError(caught, operation, attempts);
        }
        const delay = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 1));
        if (!failure.retryable || attempts >= maxAttempts || Date.now() + delay >= deadline) throw failure;
        await sleep(delay);
      }
    },
  };
}

function toAwsRequestError(caught: unknown, operation: string, attempts: number): AwsRequestError {
  if (caught instanceof AwsRequestError) return caught;
  const error = caught as Error;
  // An abort is our timeout; a TypeError from fetch is a connection that failed: both worth retrying.
  const timedOut = error?.name === 'TimeoutError' || error?.name === 'AbortError';
  return new AwsRequestError({
    operation,
    code: timedOut ? 'RequestTimeout' : 'NetworkError',
    status: 0,
    detail: timedOut ? 'no answer in time' : describeNetworkError(error),
    attempts,
  });
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ECONNRESET…). */
function describeNetworkError(error: Error | undefined): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? error?.message ?? String(error);
}

/**
 * AWS JSON errors name their code in `__type` (`com.amazonaws.sqs#QueueDoesNotExist`) or, for SQS,
 * in `x-amzn-query-error` (`AWS.SimpleQueueService.NonExistentQueue;Sender`).
 */
function parseAwsError(text: string, headers: Headers): { code: string; message: string } {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // Not JSON (a proxy's HTML page, an empty 5xx): the status alone says enough.
  }
  const type = typeof parsed.__type === 'string' ? parsed.__type : (headers.get('x-amzn-errortype') ?? '');
  const code = type.split('#').pop()?.split(':')[0] || 'UnknownError';
  const message = parsed.message ?? parsed.Message;
  return { code, message: typeof message === 'string' ? message.slice(0, 300) : 'no message' };
}
