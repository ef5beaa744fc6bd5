import { ATTEMPT_TIMEOUT_MS, parseRetryAfter } from './retry-schedule';
import type { WebhookHeaders } from './sign-webhook';

/** One attempt as the delivery log keeps it (README, "Delivery log"). */
export interface AttemptRecord {
  /** ISO time the attempt started. */
  readonly at: string;
  readonly statusCode: number | null;
  /** Why it failed, in a few fixed words; null on success. Never a URL, a header or a body. */
  readonly error: string | null;
  readonly ms: number;
}

export interface PostedAttempt extends AttemptRecord {
  readonly retryAfterSeconds?: number;
}

export interface PostWebhookInput {
  readonly url: string;
  readonly body: string;
  readonly headers: WebhookHeaders;
  readonly now?: () => number;
  readonly timeoutMs?: number;
}

/**
 * POSTs one signed webhook. Success is a 2xx within 15 s; a redirect is not followed (a signed
 * message goes only where the operator configured), so a 3xx fails like any other status.
 */
export async function postWebhook({
  url,
  body,
  headers,
  now = Date.now,
  timeoutMs = ATTEMPT_TIMEOUT_MS,
}: PostWebhookInput): Promise<PostedAttempt> {
  const started = now();
  const at = new Date(started).toISOString();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The receiver's answer body is never read beyond what closing needs, nor kept.
    await response.body?.cancel().catch(() => {});
    const statusCode = response.status;
    const ok = statusCode >= 200 && statusCode < 300;
    return {
      at,
      statusCode,
      error: ok ? null : statusCode >= 300 && statusCode < 400 ? 'redirect not followed' : `HTTP ${statusCode}`,
      ms: now() - started,
      retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after'), now()),
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return {
      at,
      statusCode: null,
      error: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection error',
      ms: now() - started,
    };
  }
}
