/**
 * Whether a failed call may succeed if tried again, so the caller answers 503 rather than 500: an
 * AWS SDK service error (it carries `$metadata`) or a network failure, never our own bug.
 */
export function isServiceUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ('$metadata' in error) return true;
  const code = (error as { code?: unknown }).code;
  return (
    ['TimeoutError', 'AbortError'].includes((error as Error).name) ||
    (typeof code === 'string' && /^(ECONN|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)/.test(code))
  );
}
