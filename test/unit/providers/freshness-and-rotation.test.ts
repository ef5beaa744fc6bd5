import { describe, expect, it } from 'vitest';
import { parseAppsDocument } from '../../../lib/config/apps';
import { SecretSet } from '../../../lib/config/secrets';
import { VerificationError } from '../../../lib/errors';
import { parseJsonObject } from '../../../lib/json';
import {
  createHuaweiSparkRtcProvider,
  huaweiSparkRtcOptionsFromEnv,
  signSparkRtcBody,
} from '../../../lib/providers/huawei-sparkrtc';
import { createProviderRegistry } from '../../../lib/providers/registry';
import { createTencentImProvider, signImRequest, tencentImOptionsFromEnv } from '../../../lib/providers/tencent-im';
import { signTrtcBody } from '../../../lib/providers/tencent-trtc';

const KEY = 'sparkrtc-key-0123456789-0123456789';
const APPS = parseAppsDocument(
  {
    apps: [
      { platform: 'trtc', appId: '1', imToken: ['token-new', 'token-old'], callbackKey: ['keyNew', 'keyOld'] },
      { platform: 'sparkrtc', appId: 's', authKey: KEY },
    ],
  },
  'test',
);
const NOW = 1_800_000_000_000;
const BODY = '{"event_type":"RECORD_NEW_FILE_START","job_id":"j","app_id":"s"}';

const chatAt = (requestTimeSeconds: number, provider = createTencentImProvider(), token = 'token-new') =>
  provider.authenticate(
    {
      endpoint: 'tencent-im',
      body: Buffer.from('{}'),
      headers: {},
      query: {
        SdkAppid: '1',
        RequestTime: String(requestTimeSeconds),
        Sign: signImRequest(token, String(requestTimeSeconds)),
      },
      receivedAt: NOW,
    },
    { apps: APPS, body: () => ({}) },
  );

const sparkAt = (timestamp: string, provider = createHuaweiSparkRtcProvider()) =>
  provider.authenticate(
    {
      endpoint: 'huawei-sparkrtc',
      body: Buffer.from(BODY),
      headers: {
        'x-rtc-rand': 'r1',
        'x-rtc-timestamp': timestamp,
        'x-rtc-signature': signSparkRtcBody(KEY, 'r1', timestamp, BODY),
      },
      query: {},
      receivedAt: NOW,
    },
    { apps: APPS, body: () => parseJsonObject(BODY) },
  );

const stale = (attempt: () => unknown) => {
  try {
    attempt();
  } catch (error) {
    return error instanceof VerificationError && error.code === 'stale_timestamp';
  }
  return false;
};

describe('freshness windows, both directions', () => {
  const seconds = NOW / 1000;

  it('Chat: 60 s by default (vendor doc), inclusive', () => {
    for (const skew of [-60, 0, 60]) expect(chatAt(seconds + skew).appId).toBe('1');
    for (const skew of [-61, 61, -3600, 86_400])
      expect(
        stale(() => chatAt(seconds + skew)),
        `skew ${skew}`,
      ).toBe(true);
  });

  it('Chat: configurable, through IM_REQUEST_TIME_TOLERANCE_SECONDS', () => {
    const provider = createTencentImProvider(tencentImOptionsFromEnv({ IM_REQUEST_TIME_TOLERANCE_SECONDS: '10' }));
    expect(chatAt(seconds - 10, provider).appId).toBe('1');
    expect(stale(() => chatAt(seconds - 11, provider))).toBe(true);
    expect(stale(() => chatAt(seconds + 11, provider))).toBe(true);
  });

  it('SparkRTC: accepts seconds and milliseconds, refuses either outside 300 s', () => {
    expect(sparkAt(String(seconds)).appId).toBe('s');
    expect(sparkAt(String(NOW)).appId).toBe('s');
    expect(sparkAt(String(NOW - 300_000)).appId).toBe('s');
    for (const timestamp of [seconds - 301, seconds + 301, NOW - 301_000, NOW + 301_000]) {
      expect(
        stale(() => sparkAt(String(timestamp))),
        String(timestamp),
      ).toBe(true);
    }
  });

  it('SparkRTC: configurable through SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS; 0 turns the check off', () => {
    const tight = createHuaweiSparkRtcProvider(
      huaweiSparkRtcOptionsFromEnv({ SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS: '5' }),
    );
    expect(stale(() => sparkAt(String(seconds - 6), tight))).toBe(true);
    const off = createHuaweiSparkRtcProvider(
      huaweiSparkRtcOptionsFromEnv({ SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS: '0' }),
    );
    expect(sparkAt(String(seconds - 86_400 * 365), off).appId).toBe('s');
  });

  it('refuses a tolerance that is not a number of seconds', () => {
    expect(() => huaweiSparkRtcOptionsFromEnv({ SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS: 'soon' })).toThrow(
      /SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS must be a number ≥ 0, got "soon"/,
    );
  });
});

describe('key rotation', () => {
  const trtc = createProviderRegistry().get('tencent-trtc');
  const trtcWith = (apps: typeof APPS, key: string) =>
    trtc?.authenticate(
      {
        endpoint: 'tencent-trtc',
        body: Buffer.from('{}'),
        headers: { sdkappid: '1', sign: signTrtcBody(key, '{}') },
        query: {},
        receivedAt: NOW,
      },
      { apps, body: () => ({}) },
    );

  it('every listed key verifies; a key removed from the list no longer does', () => {
    expect(trtcWith(APPS, 'keyNew')?.appId).toBe('1');
    expect(trtcWith(APPS, 'keyOld')?.appId).toBe('1');
    expect(chatAt(NOW / 1000, undefined, 'token-old').appId).toBe('1');
    const rotated = parseAppsDocument({ apps: [{ platform: 'trtc', appId: '1', callbackKey: ['keyNew'] }] }, 'test');
    expect(trtcWith(rotated, 'keyNew')?.appId).toBe('1');
    expect(() => trtcWith(rotated, 'keyOld')).toThrow(VerificationError);
  });

  it('compares against every key, even after one matched, so timing does not tell which key is current', () => {
    const visited: string[] = [];
    const keys = new SecretSet(['a', 'b', 'c']);
    const isFirst = (key: string) => {
      visited.push(key);
      return key === 'a';
    };
    expect(keys.matchesAny(isFirst)).toBe(true);
    expect(visited).toEqual(['a', 'b', 'c']);
  });
});
