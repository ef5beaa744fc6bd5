/** How a webhook's attempts are spaced (README, "Receiving webhooks", "Retries"). */

/** The delays before retries 1…7, in ms: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;
/** The first attempt and seven retries. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** ±20 %: endpoints that failed together are not all retried in the same second. */
export const JITTER = 0.2;
/** SQS's longest visibility timeout, which carries a message to its next attempt. */
export const MAX_DELAY_SECONDS = 43_200;
/** An answer after this long is a failed attempt. */
export const ATTEMPT_TIMEOUT_MS = 15_000;

/** What one attempt came to, as the schedule needs it. */
export interface AttemptResult {
  /** The HTTP status, or null when no answer came (timeout, connection error). */
  readonly statusCode: number | null;
  /** `Retry-After` in seconds, when a 429 or 503 sent one. */
  readonly retryAfterSeconds?: number;
}

export type NextStep =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'retry'; readonly delaySeconds: number }
  | { readonly kind: 'gone' }
  | { readonly kind: 'exhausted' };

export interface NextStepOptions {
  /** 1 for the first attempt of a message. */
  readonly attempt: number;
  readonly result: AttemptResult;
  /** WEBHOOK_RETRY_SCALE: multiplies each scheduled delay (never a `Retry-After`). */
  readonly scale?: number;
  /** In [0, 1); Math.random by default. */
  readonly random?: () => number;
}

/**
 * After an attempt: done (2xx), given up (410 Gone; or the last attempt failed), or retried after
 * the scheduled delay with jitter, and at least a 429/503's `Retry-After`, rounded up to whole seconds
 * (SQS visibility timeouts are whole seconds) and at most 12 h.
 */
export function nextStep({ attempt, result, scale = 1, random = Math.random }: NextStepOptions): NextStep {
  const { statusCode } = result;
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { kind: 'succeeded' };
  if (statusCode === 410) return { kind: 'gone' };
  if (attempt >= MAX_ATTEMPTS) return { kind: 'exhausted' };
  const scheduledMs = (RETRY_DELAYS_MS[attempt - 1] ?? 0) * scale * (1 + JITTER * (2 * random() - 1));
  const retryAfterMs =
    (statusCode === 429 || statusCode === 503) && result.retryAfterSeconds !== undefined
      ? result.retryAfterSeconds * 1000
      : 0;
  const delaySeconds = Math.ceil(Math.max(scheduledMs, retryAfterMs) / 1000);
  return { kind: 'retry', delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(1, delaySeconds)) };
}

/**
 * `Retry-After` as seconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
