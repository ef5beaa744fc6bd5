import { describe, expect, it } from 'vitest';
import { loadDevApps } from '../../../fixtures/dev-apps';
import { DEV_APPS, SEED_000, SEED_001, SEED_003 } from '../../../fixtures/samples';
import { toApiGatewayEvent } from '../../../local/api-gateway-event';
import { claimedApp, parseCapture } from '../../../tools/replay/capture';
import { signCallback } from '../../../tools/replay/sign-callback';

describe('parseCapture', () => {
  it('reads the documented capture format, with a text or base64 body', () => {
    expect(parseCapture({ endpoint: 'tencent-gme', headers: { Signature: 'abc' }, body: SEED_001.body })).toEqual({
      kind: 'callback',
      callback: { endpoint: 'tencent-gme', query: '', headers: { signature: 'abc' }, body: SEED_001.body },
    });
    const base64 = parseCapture({
      endpoint: 'tencent-gme',
      query: '?a=1',
      bodyBase64: Buffer.from('{}').toString('base64'),
    });
    expect(base64).toMatchObject({ kind: 'callback', callback: { body: '{}', query: 'a=1' } });
  });

  it('reads API Gateway v2 events, including base64 bodies', () => {
    const event = toApiGatewayEvent({
      method: 'POST',
      rawPath: '/callbacks/huawei-sparkrtc',
      headers: { 'X-Rtc-Rand': 'r' },
      body: Buffer.from(SEED_003.body).toString('base64'),
      isBase64Encoded: true,
    });
    expect(parseCapture(JSON.parse(JSON.stringify(event)))).toMatchObject({
      kind: 'callback',
      callback: { endpoint: 'huawei-sparkrtc', headers: { 'x-rtc-rand': 'r' }, body: SEED_003.body },
    });
  });

  it('skips SQS events and the EventBridge events we publish, which are not callbacks, saying why', () => {
    expect(
      parseCapture({ 'detail-type': 'Recording Stale', source: 'rtc-recording-callbacks', detail: {} }),
    ).toMatchObject({
      kind: 'other',
    });
    expect(parseCapture({ Records: [] })).toMatchObject({
      kind: 'other',
      reason: expect.stringContaining('SQS event'),
    });
  });

  it('calls a capture with an unknown endpoint or no body invalid, not skipped', () => {
    expect(parseCapture({ endpoint: 'zoom', body: '{}' })).toMatchObject({ kind: 'invalid' });
    expect(parseCapture('text')).toMatchObject({ kind: 'invalid' });
    expect(parseCapture({ endpoint: 'tencent-gme' })).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('body'),
    });
  });
});

describe('claimedApp and signCallback', () => {
  it('finds the app where each vendor puts it', async () => {
    const apps = await loadDevApps();
    const appOf = (callback: Parameters<typeof claimedApp>[0]) => claimedApp(callback, apps)?.appId;
    expect(
      appOf({ endpoint: 'tencent-im', query: `SdkAppid=${DEV_APPS.trtc}`, headers: {}, body: SEED_000.body }),
    ).toBe(DEV_APPS.trtc);
    expect(appOf({ endpoint: 'tencent-trtc', query: '', headers: { sdkappid: DEV_APPS.trtc }, body: '{}' })).toBe(
      DEV_APPS.trtc,
    );
    expect(appOf({ endpoint: 'tencent-trtc', query: '', headers: { sdkappid: '7' }, body: '{}' })).toBeUndefined();
    expect(appOf({ endpoint: 'tencent-gme', query: '', headers: {}, body: SEED_001.body })).toBe(DEV_APPS.gme);
    expect(appOf({ endpoint: 'huawei-sparkrtc', query: '', headers: {}, body: SEED_003.body })).toBe(DEV_APPS.sparkrtc);
    expect(appOf({ endpoint: 'tencent-gme', query: '', headers: {}, body: 'not json' })).toBeUndefined();
  });

  it('replaces an old signature and timestamp with fresh ones', () => {
    const old = {
      endpoint: 'huawei-sparkrtc' as const,
      query: '',
      headers: { 'X-Rtc-Timestamp': '1', 'x-rtc-signature': 'old' },
      body: '{}',
    };
    const signed = signCallback(old, { appId: 'a', key: 'k'.repeat(32), now: 1_700_000_000_000 });
    expect(signed.headers['x-rtc-timestamp']).toBe('1700000000');
    expect(signed.headers['x-rtc-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(signed.headers['x-rtc-signature']).not.toBe('old');
    const unsigned = signCallback(old, { appId: 'a', key: undefined, now: 0 });
    expect(Object.keys(unsigned.headers)).toEqual([]);
  });
});
