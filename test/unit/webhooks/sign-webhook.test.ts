import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_TEST_SECRETS } from '../../../fixtures/test-secrets';
import { SecretSet } from '../../../lib/config/secrets';
import { signWebhook } from '../../../lib/webhooks/sign-webhook';

const body = JSON.stringify({
  type: 'recording.status_changed',
  timestamp: '2026-12-01T00:00:00.000Z',
  data: { a: 1 },
});
const at = new Date();

describe('signWebhook: verified by the standardwebhooks library, as a consumer verifies', () => {
  const headers = signWebhook({
    webhookId: 'abc123',
    body,
    secrets: new SecretSet([WEBHOOK_TEST_SECRETS.current, WEBHOOK_TEST_SECRETS.previous]),
    at,
  });

  it('puts the id, the time in seconds and one v1 signature per secret', () => {
    expect(headers['webhook-id']).toBe('abc123');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const part of headers['webhook-signature'].split(' ')) expect(part).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it.each([
    ['current', WEBHOOK_TEST_SECRETS.current],
    ['previous', WEBHOOK_TEST_SECRETS.previous],
  ])('verifies with the %s secret of a rotation', (_name, secret) => {
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('fails with a wrong secret, a tampered body, another id or another timestamp', () => {
    expect(() => new Webhook(WEBHOOK_TEST_SECRETS.wrong).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(WEBHOOK_TEST_SECRETS.current).verify(body.replace('1}', '2}'), { ...headers })).toThrow();
    expect(() =>
      new Webhook(WEBHOOK_TEST_SECRETS.current).verify(body, { ...headers, 'webhook-id': 'abc124' }),
    ).toThrow();
    expect(() =>
      new Webhook(WEBHOOK_TEST_SECRETS.current).verify(body, {
        ...headers,
        'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1),
      }),
    ).toThrow();
  });

  it('matches the spec: base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" with the decoded secret', async () => {
    const { createHmac } = await import('node:crypto');
    const key = Buffer.from(WEBHOOK_TEST_SECRETS.current.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key)
      .update(`abc123.${headers['webhook-timestamp']}.${body}`)
      .digest('base64');
    expect(headers['webhook-signature'].split(' ')[0]).toBe(`v1,${expected}`);
  });
});
