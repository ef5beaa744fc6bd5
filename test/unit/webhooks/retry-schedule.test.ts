import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, nextStep, parseRetryAfter, RETRY_DELAYS_MS } from '../../../lib/webhooks/retry-schedule';

const failed = { statusCode: 500 };
const middle = () => 0.5;

describe('nextStep', () => {
  it('retries after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up after 8 attempts', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => nextStep({ attempt, result: failed, random: middle }));
    expect(delays).toEqual(
      [5, 300, 1800, 7200, 18000, 36000, 36000].map((delaySeconds) => ({ kind: 'retry', delaySeconds })),
    );
    expect(MAX_ATTEMPTS).toBe(8);
    expect(nextStep({ attempt: 8, result: failed })).toEqual({ kind: 'exhausted' });
  });

  it('jitters each delay by at most ±20 %', () => {
    for (const [index, delay] of RETRY_DELAYS_MS.entries()) {
      const low = nextStep({ attempt: index + 1, result: failed, random: () => 0 });
      const high = nextStep({ attempt: index + 1, result: failed, random: () => 0.999999 });
      expect(low).toEqual({ kind: 'retry', delaySeconds: Math.ceil((delay * 0.8) / 1000) });
      expect(high.kind === 'retry' && high.delaySeconds).toBeLessThanOrEqual(Math.ceil((delay * 1.2) / 1000));
    }
  });

  it('is success on any 2xx and ends on 410; 3xx, 4xx, 5xx and no answer are failures', () => {
    for (const statusCode of [200, 201, 204, 299]) {
      expect(nextStep({ attempt: 1, result: { statusCode } })).toEqual({ kind: 'succeeded' });
    }
    expect(nextStep({ attempt: 1, result: { statusCode: 410 } })).toEqual({ kind: 'gone' });
    for (const statusCode of [301, 302, 400, 404, 500, null]) {
      expect(nextStep({ attempt: 1, result: { statusCode }, random: middle }).kind).toBe('retry');
    }
  });

  it('waits at least Retry-After on 429 and 503, unscaled, capped at 12 h; ignores it on other statuses', () => {
    expect(nextStep({ attempt: 1, result: { statusCode: 429, retryAfterSeconds: 120 }, random: middle })).toEqual({
      kind: 'retry',
      delaySeconds: 120,
    });
    expect(
      nextStep({ attempt: 1, result: { statusCode: 503, retryAfterSeconds: 7 }, scale: 0.001, random: middle }),
    ).toEqual({ kind: 'retry', delaySeconds: 7 });
    expect(nextStep({ attempt: 1, result: { statusCode: 429, retryAfterSeconds: 999_999 } })).toEqual({
      kind: 'retry',
      delaySeconds: 43_200,
    });
    expect(nextStep({ attempt: 1, result: { statusCode: 500, retryAfterSeconds: 120 }, random: middle })).toEqual({
      kind: 'retry',
      delaySeconds: 5,
    });
  });

  it('compresses the schedule with WEBHOOK_RETRY_SCALE, rounding up to whole seconds', () => {
    const scaled = [1, 2, 3, 4, 5, 6, 7].map((attempt) => {
      const step = nextStep({ attempt, result: failed, scale: 0.001, random: middle });
      return step.kind === 'retry' ? step.delaySeconds : -1;
    });
    expect(scaled).toEqual([1, 1, 2, 8, 18, 36, 36]);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Tue, 01 Dec 2026 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
