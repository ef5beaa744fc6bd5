import { describe, expect, it } from 'vitest';
import { parseAppsDocument } from '../../../lib/config/apps';
import { parseJsonObject } from '../../../lib/json';
import { createHuaweiSparkRtcProvider, signSparkRtcBody } from '../../../lib/providers/huawei-sparkrtc';
import { createProviderRegistry } from '../../../lib/providers/registry';
import { createTencentGmeProvider, signGmeBody } from '../../../lib/providers/tencent-gme';
import { signImRequest } from '../../../lib/providers/tencent-im';
import { signTrtcBody } from '../../../lib/providers/tencent-trtc';

// Every vector in PROTOCOLS.md, computed through the production signing code.
const TRTC_VECTOR_BODY = [
  '{',
  '\t"EventGroupId":\t2,',
  '\t"EventType":\t204,',
  '\t"CallbackTs":\t1664209748188,',
  '\t"EventInfo":\t{',
  '\t\t"RoomId":\t8489,',
  '\t\t"EventTs":\t1664209748,',
  '\t\t"EventMsTs":\t1664209748180,',
  '\t\t"UserId":\t"user_85034614",',
  '\t\t"Reason":\t0',
  '\t}',
  '}',
].join('\n');
const GME_VECTOR_BODY =
  '{"BizID":1400000000,"RoomID":"100","UserID":"999","TaskID":446946705284000000,"RecordMode":1,"Timestamp":1675930605,"EventType":1,"Detail":{"SeqNo":0,"FileName":"1400000000_100_999/2023-02-09-16-16-45_446946705284000000_audio.mp3"}}';
const SPARKRTC_VECTOR_BODY =
  '{"event_type":"RECORD_NEW_FILE_START","job_id":"job-1","app_id":"app-1","room_id":"room01","stream_name":"s1","record_format":"MP4"}';

describe('PROTOCOLS.md signature vectors', () => {
  it('Chat: SHA-256(token + RequestTime), vendor doc vector', () => {
    expect(signImRequest('xxxxyyyy', '1669872112')).toBe(
      '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061',
    );
  });

  it('TRTC: base64 HMAC-SHA256 over the tab-indented body, vendor doc vector', () => {
    expect(TRTC_VECTOR_BODY.split('\n')).toHaveLength(12);
    expect(signTrtcBody('123654', TRTC_VECTOR_BODY)).toBe('kkoFeO3Oh2ZHnjtg8tEAQhtXK16/KI05W3BQff8IvGA=');
  });

  it('GME: HMAC-SHA1 as hex and as base64', () => {
    expect(signGmeBody('gme-secret-key', GME_VECTOR_BODY, 'hex')).toBe('d295bd57cdaaef4e2c008677c31722dc0c5d175a');
    expect(signGmeBody('gme-secret-key', GME_VECTOR_BODY, 'base64')).toBe('0pW9V82q704sAIZ3wxci3AxdF1o=');
  });

  it('SparkRTC: hex HMAC-SHA256 over rand + timestamp + body', () => {
    expect(signSparkRtcBody('0123456789abcdef0123456789abcdef', '5b7e1c', '1700000000', SPARKRTC_VECTOR_BODY)).toBe(
      '8cee95b01b09818ce53be2ff7f6b11e2e4e10df326a229638c83dcbe616daf03',
    );
  });

  it("providers' own sign options reproduce the vectors: GME's base64 encoding, SparkRTC's fixed rand", () => {
    const signing = (body: string) => ({ headers: {} as Record<string, string>, query: new URLSearchParams(), body });
    const gme = signing(GME_VECTOR_BODY);
    createTencentGmeProvider().sign(gme, {
      appId: '1400000000',
      key: { secret: 'gme-secret-key' },
      now: 0,
      encoding: 'base64',
    });
    expect(gme.headers.signature).toBe('0pW9V82q704sAIZ3wxci3AxdF1o=');
    const spark = signing(SPARKRTC_VECTOR_BODY);
    createHuaweiSparkRtcProvider().sign(spark, {
      appId: 'app-1',
      key: { secret: '0123456789abcdef0123456789abcdef' },
      now: 1_700_000_000_000,
      rand: '5b7e1c',
    });
    expect(spark.headers).toEqual({
      'x-rtc-rand': '5b7e1c',
      'x-rtc-timestamp': '1700000000',
      'x-rtc-signature': '8cee95b01b09818ce53be2ff7f6b11e2e4e10df326a229638c83dcbe616daf03',
    });
  });
});

describe('the vectors verify through each provider', () => {
  const apps = parseAppsDocument(
    {
      apps: [
        { platform: 'trtc', appId: '1400000009', imToken: 'xxxxyyyy', callbackKey: '123654' },
        { platform: 'gme', appId: '1400000000', secretKey: 'gme-secret-key' },
        { platform: 'sparkrtc', appId: 'app-1', authKey: '0123456789abcdef0123456789abcdef' },
      ],
    },
    'test',
  );
  const providers = createProviderRegistry();
  const context = (body: string) => ({ apps, body: () => parseJsonObject(body) });
  const request = (
    endpoint: string,
    body: string,
    extra: { headers?: Record<string, string>; query?: Record<string, string>; receivedAt: number },
  ) => ({
    endpoint: endpoint as never,
    body: Buffer.from(body),
    headers: extra.headers ?? {},
    query: extra.query ?? {},
    receivedAt: extra.receivedAt,
  });

  it('Chat accepts the vendor vector at its own RequestTime', () => {
    const app = providers.get('tencent-im')?.authenticate(
      request('tencent-im', '{}', {
        query: {
          SdkAppid: '1400000009',
          RequestTime: '1669872112',
          Sign: '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061',
        },
        receivedAt: 1669872112_000 + 30_000,
      }),
      context('{}'),
    );
    expect(app?.appId).toBe('1400000009');
  });

  it('TRTC accepts the vendor vector', () => {
    const app = providers.get('tencent-trtc')?.authenticate(
      request('tencent-trtc', TRTC_VECTOR_BODY, {
        headers: { sdkappid: '1400000009', sign: 'kkoFeO3Oh2ZHnjtg8tEAQhtXK16/KI05W3BQff8IvGA=' },
        receivedAt: Date.now(),
      }),
      context(TRTC_VECTOR_BODY),
    );
    expect(app?.appId).toBe('1400000009');
  });

  it.each([
    ['hex', 'd295bd57cdaaef4e2c008677c31722dc0c5d175a'],
    ['upper-case hex', 'D295BD57CDAAEF4E2C008677C31722DC0C5D175A'],
    ['base64', '0pW9V82q704sAIZ3wxci3AxdF1o='],
  ])('GME accepts the %s vector', (_encoding, signature) => {
    const app = providers
      .get('tencent-gme')
      ?.authenticate(
        request('tencent-gme', GME_VECTOR_BODY, { headers: { signature }, receivedAt: Date.now() }),
        context(GME_VECTOR_BODY),
      );
    expect(app?.appId).toBe('1400000000');
  });

  it('SparkRTC accepts the vector at its own timestamp', () => {
    const app = providers.get('huawei-sparkrtc')?.authenticate(
      request('huawei-sparkrtc', SPARKRTC_VECTOR_BODY, {
        headers: {
          'x-rtc-rand': '5b7e1c',
          'x-rtc-timestamp': '1700000000',
          'x-rtc-signature': '8cee95b01b09818ce53be2ff7f6b11e2e4e10df326a229638c83dcbe616daf03',
        },
        receivedAt: 1700000000_000,
      }),
      context(SPARKRTC_VECTOR_BODY),
    );
    expect(app?.appId).toBe('app-1');
  });
});
