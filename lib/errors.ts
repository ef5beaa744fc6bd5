/**
 * The one error type that carries an HTTP status (as Hono's `HTTPException`). Each route turns it
 * into its answer at exactly one boundary: `handleCallback` in the vendor's shape, `handleQuery` as
 * `{"message"}`. Messages are fixed, human-readable strings: they never contain a secret, an
 * expected signature or any part of the payload.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
  }
}

/** The errors of the callback routes, answered in the vendor's shape. */
export class CallbackError extends HttpError {}

/** 400 on a read route: a bad limit, status, flag or cursor. */
export class BadQueryError extends HttpError {
  constructor(message: string) {
    super(400, 'bad_query', message);
  }
}

/** 400: the body is not JSON, or lacks the fields its event needs. */
export class BadRequestError extends CallbackError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(400, 'bad_request', message, options);
  }
}

export const VERIFICATION_FAILURES = {
  missing_signature: 'missing signature',
  missing_timestamp: 'missing timestamp',
  bad_signature: 'signature does not match',
  stale_timestamp: 'timestamp is outside the allowed window',
  bad_timestamp: 'timestamp is not a number',
} as const;
export type VerificationFailure = keyof typeof VERIFICATION_FAILURES;

/** 401: a missing or wrong signature, or a stale request time. `code` is the failure. */
export class VerificationError extends CallbackError {
  declare readonly code: VerificationFailure;

  constructor(failure: VerificationFailure, detail?: string) {
    super(401, failure, detail ? `${VERIFICATION_FAILURES[failure]}: ${detail}` : VERIFICATION_FAILURES[failure]);
  }
}

/** 403: an unknown app id, or an app id that contradicts another part of the request. */
export class AppNotAllowedError extends CallbackError {
  constructor(code: 'unknown_app' | 'app_mismatch' | 'app_not_configured', message: string) {
    super(403, code, message);
  }
}

/** 413: the body is larger than we accept. */
export class PayloadTooLargeError extends CallbackError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `body exceeds ${limitBytes} bytes`);
  }
}

/** 503: the event could not be queued; the vendor should retry. */
export class QueueUnavailableError extends CallbackError {
  constructor(options?: { cause?: unknown }) {
    super(503, 'queue_unavailable', 'event could not be queued, retry later', options);
  }
}

/** 503: the apps document could not be read or is invalid: our configuration, not the request, is at fault. */
export class AppsUnavailableError extends CallbackError {
  constructor(options?: { cause?: unknown }) {
    super(503, 'apps_unavailable', 'configuration unavailable, retry later', options);
  }
}

/** A queued message that process cannot interpret. It is retried and ends in the DLQ. */
export class PoisonMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}

/** The apps document is invalid; start-up stops with a message that names the bad entry. */
export class AppsConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppsConfigError';
  }
}

/** The webhooks document is invalid; the message names the bad entry, never a secret or a URL. */
export class WebhooksConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhooksConfigError';
  }
}
