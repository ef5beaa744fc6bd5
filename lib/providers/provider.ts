import type { AppConfig, AppDirectory } from '../config/apps';
import type { CallbackError } from '../errors';
import type { CallbackRequest } from '../http/callback-request';
import type { JsonObject } from '../json';
import type { Interpretation } from '../model/events';
import type { Endpoint, Platform } from '../platforms';

export interface VendorAnswer {
  readonly statusCode: number;
  readonly body: string;
}

export interface AuthenticationContext {
  readonly apps: AppDirectory;
  /** The body parsed losslessly, memoized; throws a 400 when it is not a JSON object. */
  readonly body: () => JsonObject;
}

/** A verified callback as process sees it again, from the queued message. */
export interface VerifiedCallback {
  readonly appId: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: JsonObject;
  readonly receivedAt: number;
}

/** One vendor endpoint. Adding a vendor means one module implementing this, plus its tests. */
export interface Provider {
  readonly endpoint: Endpoint;
  readonly platform: Platform;
  /** Headers queued with the event for audit and replay; never a secret. */
  readonly forwardedHeaders: readonly string[];
  /** Finds the app and verifies the request, or throws a 401/403/400 `CallbackError`. */
  authenticate(request: CallbackRequest, context: AuthenticationContext): AppConfig;
  /** Pure: what the callback means. Throws a `BadRequestError` when the event lacks its fields. */
  interpret(callback: VerifiedCallback): Interpretation;
  /** The vendor's success answer (`null`) or failure answer, in its exact shape. */
  answer(error: CallbackError | null): VendorAnswer;
}

export function jsonAnswer(statusCode: number, body: unknown): VendorAnswer {
  return { statusCode, body: JSON.stringify(body) };
}

/** Tencent TRTC and GME share this shape (CONTRACT §2). */
export function codeMessageAnswer(error: CallbackError | null): VendorAnswer {
  return error === null
    ? jsonAnswer(200, { code: 0 })
    : jsonAnswer(error.status, { code: error.status, message: error.message });
}
