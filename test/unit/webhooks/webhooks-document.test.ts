import { describe, expect, it } from 'vitest';
import { WEBHOOK_TEST_SECRETS } from '../../../fixtures/test-secrets';
import { parseWebhooksDocument, parseWebhooksDocumentText } from '../../../lib/config/webhooks';
import { matchesFilters, webhookMessageOf } from '../../../lib/webhooks/webhook-message';

const secret = WEBHOOK_TEST_SECRETS.current;
const valid = { id: 'backend', url: 'https://api.example.com/hooks', secrets: [secret] };
const parse = (endpoints: unknown[]) => parseWebhooksDocument({ endpoints }, 'webhooks.json');

describe('the webhooks document', () => {
  it('accepts endpoints with filters, and keeps the secrets out of any serialization', () => {
    const endpoints = parse([
      valid,
      {
        id: 'local-1',
        url: 'http://127.0.0.1:4000/x',
        secrets: [secret, WEBHOOK_TEST_SECRETS.previous],
        types: ['recording.stale'],
        platforms: ['trtc', 'livekit'],
        appIds: ['1400000001'],
      },
    ]);
    expect(endpoints.list().map((endpoint) => endpoint.id)).toEqual(['backend', 'local-1']);
    expect(endpoints.find('local-1')?.secrets.size).toBe(2);
    expect(JSON.stringify(endpoints.list())).not.toContain(secret.slice(6, 20));
    expect(parseWebhooksDocument({ endpoints: [] }, 'x').list()).toEqual([]);
  });

  it.each([
    [[{ ...valid, id: 'Bad_Id' }], 'endpoints[0]: "id" must match'],
    [[valid, valid], 'endpoints[1] (backend): "id" is used twice'],
    [[{ ...valid, url: 'http://api.example.com/' }], 'endpoints[0] (backend): "url" must be an https:// URL'],
    [[{ ...valid, url: 'https://user:pw@api.example.com/' }], '"url" must be an https:// URL'],
    [[{ ...valid, secrets: [] }], '"secrets" must be a non-empty array'],
    [[{ ...valid, secrets: ['whsec_c2hvcnQ='] }], '"secrets"[0] must be "whsec_" and base64 of 24 to 64 bytes'],
    [[{ ...valid, secrets: [secret.slice(6)] }], '"secrets"[0] must be'],
    [
      [{ ...valid, types: ['recording.deleted'] }],
      '"types"[0] is not allowed (recording.status_changed, recording.stale)',
    ],
    [[{ ...valid, platforms: ['zoom'] }], '"platforms"[0] is not allowed (trtc'],
    [[{ ...valid, appIds: [] }], '"appIds" must be a non-empty array'],
    [[{ ...valid, secret }], 'unknown field "secret"'],
  ])('refuses %j naming the entry, never a secret', (endpoints, message) => {
    let error: Error | undefined;
    try {
      parse(endpoints);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.name).toBe('WebhooksConfigError');
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain(secret.slice(6, 20));
  });

  it('places a JSON error by line and column without quoting the text', () => {
    const text = `{"endpoints": [\n  {"id": "a", "secrets": ["${secret}"],}\n]}`;
    expect(() => parseWebhooksDocumentText(text, 'w.json')).toThrow(/not valid JSON at line 2, column \d+$/);
    expect(() => parseWebhooksDocumentText('[]', 'w.json')).toThrow('top level');
  });
});

describe('webhook messages and filters', () => {
  const detail = { id: 'f'.repeat(32), platform: 'trtc', appId: '1400000001', taskId: 't-1', status: 'recording' };
  const envelope = { 'detail-type': 'Recording Status Changed', time: '2026-12-01T10:00:00Z', detail };

  it('builds {"type","timestamp","data"} with webhook-id = detail.id', () => {
    const message = webhookMessageOf(envelope as never);
    expect(message?.webhookId).toBe(detail.id);
    expect(JSON.parse(message?.body ?? '')).toEqual({
      type: 'recording.status_changed',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: detail,
    });
    expect(webhookMessageOf({ ...envelope, 'detail-type': 'Recording Stale' } as never)?.type).toBe('recording.stale');
    expect(webhookMessageOf({ ...envelope, 'detail-type': 'Other' } as never)).toBeNull();
  });

  it('lets a message through each filter that is absent or lists its value', () => {
    const message = webhookMessageOf(envelope as never);
    if (message === null) throw new Error('no message');
    expect(matchesFilters(message, {})).toBe(true);
    expect(matchesFilters(message, { types: ['recording.status_changed'], platforms: ['trtc'] })).toBe(true);
    expect(matchesFilters(message, { types: ['recording.stale'] })).toBe(false);
    expect(matchesFilters(message, { platforms: ['gme'] })).toBe(false);
    expect(matchesFilters(message, { appIds: ['1400000001'] })).toBe(true);
    expect(matchesFilters(message, { appIds: ['other'] })).toBe(false);
  });
});
