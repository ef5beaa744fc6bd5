import { Logger } from '@aws-lambda-powertools/logger';
import { beforeEach, describe, expect, it } from 'vitest';
import { agoraBody } from '../../../fixtures/agora-samples';
import { liveKitBody } from '../../../fixtures/livekit-samples';
import { gmeBody, type Sample, SEED_000, SEED_003, sparkRtcBody, trtcBody } from '../../../fixtures/samples';
import { signTestRequest } from '../../../fixtures/sign-test-request';
import { INGEST_TEST_KEYS } from '../../../fixtures/test-secrets';
import { parseAppsDocument } from '../../../lib/config/apps';
import type { IncomingCallback } from '../../../lib/http/callback-request';
import { handleCallback, MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_QUERY_BYTES } from '../../../lib/ingest/handle-callback';
import { parseJsonObject } from '../../../lib/json';
import { MAX_LABEL_LENGTH } from '../../../lib/model/events';
import type { Endpoint } from '../../../lib/platforms';
import { signLiveKitWebhook } from '../../../lib/providers/livekit';
import type { SigningKey } from '../../../lib/providers/provider';
import { createProviderRegistry } from '../../../lib/providers/registry';
import { MemoryQueue } from '../../helpers/memory-queue';

// Two keys per app everywhere: the second is a rotation predecessor that must still verify.
const KEYS = INGEST_TEST_KEYS;
const APPS = parseAppsDocument(
  {
    apps: [
      { platform: 'trtc', appId: '1400000003', imToken: KEYS['tencent-im'], callbackKey: KEYS['tencent-trtc'] },
      { platform: 'gme', appId: '1400000000', secretKey: KEYS['tencent-gme'] },
      { platform: 'sparkrtc', appId: 'spark-app', authKey: KEYS['huawei-sparkrtc'] },
      { platform: 'sparkrtc', appId: 'spark-open', allowUnsigned: true },
      { platform: 'sparkrtc', appId: 'spark-closed' },
      { platform: 'agora', appId: 'agora-app', ncsSecret: KEYS.agora },
      { platform: 'agora', appId: 'agora-other', ncsSecret: 'agora-other-secret' },
      {
        platform: 'livekit',
        appId: 'lk-app',
        apiKeys: { APIlkCurrent: KEYS.livekit[0], APIlkPrevious: KEYS.livekit[1] },
      },
    ],
  },
  'test',
);
const ALL_SECRETS = Object.values(KEYS).flat();

interface VendorCase {
  endpoint: Endpoint;
  sample: Sample;
  success: unknown;
  failureShape: (body: Record<string, unknown>, status: number) => void;
  /** Rebuilds the sample for another app id, to test an unknown app. */
  forApp: (appId: string) => Sample;
  /** Breaks one byte of what the signature covers. */
  tamper: (request: IncomingCallback) => IncomingCallback;
  /** Removes the signature. */
  unsign: (request: IncomingCallback) => IncomingCallback;
  hasTimestamp: boolean;
  /** The request, signed, with no app id where the vendor puts it. */
  withoutApp: (signed: IncomingCallback, sign: (sample: Sample) => IncomingCallback) => IncomingCallback;
  /** The key to sign with for an app: LiveKit names its API key in the token (`iss`). */
  keyFor?: (secret: string, appId: string) => SigningKey;
}

const flipFirstDigit = (text: string) => text.replace(/\d/, (digit) => String((Number(digit) + 1) % 10));
const withoutHeader = (name: string) => (request: IncomingCallback) => {
  const headers = { ...request.headers };
  delete headers[name];
  return { ...request, headers };
};
const codeMessageShape = (body: Record<string, unknown>, status: number) => {
  expect(body).toEqual({ code: status, message: expect.any(String) });
};

const trtcSample = (appId: string): Sample => ({
  name: 'trtc-301',
  endpoint: 'tencent-trtc',
  appId,
  body: trtcBody(301, { taskId: 'task-a', payload: { Status: 0 } }),
});
const imSample = (appId: string): Sample => ({ ...SEED_000, appId });
const gmeSample = (appId: string): Sample => ({
  name: 'gme',
  endpoint: 'tencent-gme',
  appId,
  body: gmeBody({ taskId: '446946705284000001', eventType: 1, seqNo: 0 }).replace(
    '"BizID":1400000000',
    `"BizID":${appId}`,
  ),
});
const sparkSample = (appId: string): Sample => ({
  ...SEED_003,
  appId,
  body: sparkRtcBody('RECORD_NEW_FILE_START', { jobId: 'job-1', appId }),
});

const agoraSample = (appId: string): Sample => ({
  name: 'agora-40',
  endpoint: 'agora',
  appId,
  query: { appId },
  body: agoraBody({ sid: 'sid-a', eventType: 40, details: { msgName: 'recorder_started', status: 0 } }),
});
const liveKitSample = (appId: string): Sample => ({
  name: 'livekit-started',
  endpoint: 'livekit',
  appId,
  body: liveKitBody({ egressId: 'EG_a', event: 'egress_started', id: 'EV_a' }),
});

const CASES: VendorCase[] = [
  {
    endpoint: 'tencent-im',
    sample: imSample('1400000003'),
    success: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' },
    failureShape: (body, status) =>
      expect(body).toEqual({ ActionStatus: 'FAIL', ErrorCode: status, ErrorInfo: expect.any(String) }),
    forApp: imSample,
    // Chat's Sign covers the token and RequestTime only, never the body (PROTOCOLS.md §1).
    tamper: (request) => ({
      ...request,
      rawQueryString: request.rawQueryString.replace(/Sign=([0-9a-f])/, (_m, c) => `Sign=${c === 'a' ? 'b' : 'a'}`),
    }),
    unsign: (request) => ({ ...request, rawQueryString: request.rawQueryString.replace(/&?Sign=[0-9a-f]+/, '') }),
    hasTimestamp: true,
    withoutApp: (request) => ({ ...request, rawQueryString: request.rawQueryString.replace(/SdkAppid=\d+&?/, '') }),
  },
  {
    endpoint: 'tencent-trtc',
    sample: trtcSample('1400000003'),
    success: { code: 0 },
    failureShape: codeMessageShape,
    forApp: trtcSample,
    tamper: (request) => ({ ...request, body: flipFirstDigit(request.body ?? '') }),
    unsign: withoutHeader('sign'),
    hasTimestamp: false,
    withoutApp: withoutHeader('sdkappid'),
  },
  {
    endpoint: 'tencent-gme',
    sample: gmeSample('1400000000'),
    success: { code: 0 },
    failureShape: codeMessageShape,
    forApp: gmeSample,
    tamper: (request) => ({ ...request, body: (request.body ?? '').replace('"SeqNo":0', '"SeqNo":1') }),
    unsign: withoutHeader('signature'),
    hasTimestamp: false,
    withoutApp: (_request, sign) =>
      sign({ ...gmeSample('1400000000'), body: gmeSample('1400000000').body.replace('"BizID":1400000000,', '') }),
  },
  {
    endpoint: 'huawei-sparkrtc',
    sample: sparkSample('spark-app'),
    success: { status: 1, result: 'success' },
    failureShape: (body) => expect(body).toEqual({ status: 0, result: expect.any(String) }),
    forApp: sparkSample,
    tamper: (request) => ({ ...request, body: (request.body ?? '').replace('room01', 'room02') }),
    unsign: withoutHeader('x-rtc-signature'),
    hasTimestamp: true,
    withoutApp: (_request, sign) =>
      sign({ ...sparkSample('spark-app'), body: sparkSample('spark-app').body.replace('"app_id":"spark-app",', '') }),
  },
  {
    endpoint: 'agora',
    sample: agoraSample('agora-app'),
    success: { code: 0 },
    failureShape: codeMessageShape,
    forApp: agoraSample,
    tamper: (request) => ({ ...request, body: flipFirstDigit(request.body ?? '') }),
    unsign: (request) => withoutHeader('agora-signature')(withoutHeader('agora-signature-v2')(request)),
    // NCS signs no time (PROTOCOLS.md §6).
    hasTimestamp: false,
    // Two agora apps are configured here, so a URL without appId names none (README, "The apps document").
    withoutApp: (request) => ({ ...request, rawQueryString: request.rawQueryString.replace(/appId=[^&]*&?/, '') }),
  },
  {
    endpoint: 'livekit',
    sample: liveKitSample('lk-app'),
    success: { code: 0 },
    failureShape: codeMessageShape,
    forApp: liveKitSample,
    tamper: (request) => ({ ...request, body: (request.body ?? '').replace('EG_a', 'EG_b') }),
    unsign: withoutHeader('authorization'),
    hasTimestamp: true,
    withoutApp: (request) => ({
      ...request,
      headers: { ...request.headers, authorization: signLiveKitWebhook('', KEYS.livekit[0], request.body ?? '', 1) },
    }),
    keyFor: (secret, appId) => ({
      secret,
      keyId: appId !== 'lk-app' ? 'APIunknown' : secret === KEYS.livekit[1] ? 'APIlkPrevious' : 'APIlkCurrent',
    }),
  },
];

describe.each(CASES)('$endpoint ingest', (vendor) => {
  let queue: MemoryQueue;
  let counted: [string, Record<string, string>][];
  const logger = new Logger({ logLevel: 'SILENT' });
  const ingest = (request: IncomingCallback) =>
    handleCallback(request, {
      providers: createProviderRegistry(),
      loadApps: async () => APPS,
      queue,
      logger,
      countOutcome: (name, dimensions) => counted.push([name, dimensions]),
    });
  const [currentKey, previousKey] = KEYS[vendor.endpoint];
  const keyFor = (secret: string, appId = vendor.sample.appId) => vendor.keyFor?.(secret, appId) ?? secret;
  const signed = (options: { key?: string; now?: number } = {}) =>
    signTestRequest(vendor.sample, { ...options, key: keyFor(options.key ?? currentKey) });

  const expectRejected = async (request: IncomingCallback, status: number) => {
    const { answer } = await ingest(request);
    expect(answer.statusCode).toBe(status);
    vendor.failureShape(JSON.parse(answer.body), status);
    for (const secret of ALL_SECRETS) expect(answer.body).not.toContain(secret);
    expect(queue.sent).toHaveLength(0);
    return answer;
  };

  beforeEach(() => {
    queue = new MemoryQueue();
    counted = [];
  });

  it('accepts a good request, queues the raw body, and answers in the vendor shape', async () => {
    const { answer, outcome } = await ingest(signed());
    expect(outcome).toBe('queued');
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(vendor.success);
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]?.body).toBe(vendor.sample.body);
    expect(queue.sent[0]?.endpoint).toBe(vendor.endpoint);
    expect(queue.sent[0]?.appId).toBe(vendor.sample.appId);
    expect(counted).toEqual([['CallbackAccepted', { endpoint: vendor.endpoint }]]);
  });

  it('accepts a body API Gateway base64-encoded', async () => {
    const request = signed();
    const { answer } = await ingest({
      ...request,
      body: Buffer.from(request.body ?? '').toString('base64'),
      isBase64Encoded: true,
    });
    expect(answer.statusCode).toBe(200);
    expect(queue.sent[0]?.body).toBe(vendor.sample.body);
  });

  it('accepts every key of a rotation', async () => {
    const { answer } = await ingest(signed({ key: previousKey }));
    expect(answer.statusCode).toBe(200);
  });

  it('rejects a wrong key with 401, counted by reason', async () => {
    await expectRejected(signed({ key: `${currentKey}x` }), 401);
    expect(counted).toEqual([['CallbackRejected', { endpoint: vendor.endpoint, reason: 'bad_signature' }]]);
  });

  it('rejects a change to one byte of the signed material with 401', async () => {
    await expectRejected(vendor.tamper(signed()), 401);
  });

  it('rejects a missing signature with 401', async () => {
    await expectRejected(vendor.unsign(signed()), 401);
  });

  it('rejects an unknown app with 403', async () => {
    await expectRejected(signTestRequest(vendor.forApp('1499999999'), { key: keyFor(currentKey, '1499999999') }), 403);
  });

  it('rejects a request that names no app with 403, the same answer as an unknown app', async () => {
    await expectRejected(
      vendor.withoutApp(signed(), (sample) => signTestRequest(sample, { key: keyFor(currentKey) })),
      403,
    );
  });

  it('rejects a body over 256 KiB with 413 before verifying', async () => {
    const request = signed();
    await expectRejected({ ...request, body: `${request.body}${' '.repeat(MAX_BODY_BYTES)}` }, 413);
  });

  it('answers 503 in the vendor shape when the queue is down, so the vendor retries', async () => {
    queue.failing = true;
    const { answer } = await ingest(signed());
    expect(answer.statusCode).toBe(503);
    vendor.failureShape(JSON.parse(answer.body), 503);
  });

  // Chat, SparkRTC and LiveKit sign a time; TRTC, GME and Agora have none to check.
  if (vendor.hasTimestamp) {
    it('rejects a timestamp outside the window, past or future, with 401', async () => {
      const now = Date.now();
      for (const skew of [-10 * 60_000, 10 * 60_000]) {
        await expectRejected({ ...signed({ now: now + skew }), receivedAt: now }, 401);
      }
    });

    it('accepts a timestamp inside the window', async () => {
      const now = Date.now();
      const { answer } = await ingest({ ...signed({ now: now - 30_000 }), receivedAt: now });
      expect(answer.statusCode).toBe(200);
    });
  }
});

describe('ingest edge cases', () => {
  const logger = new Logger({ logLevel: 'SILENT' });
  const countOutcome = () => {};
  const run = (request: IncomingCallback, queue = new MemoryQueue()) =>
    handleCallback(request, {
      providers: createProviderRegistry(),
      loadApps: async () => APPS,
      queue,
      logger,
      countOutcome,
    }).then((result) => ({ ...result, queue }));

  it('rejects a verified body that is not JSON with 400', async () => {
    const sample: Sample = { name: 'bad', endpoint: 'tencent-trtc', appId: '1400000003', body: '{"EventGroupId": 3,' };
    const { answer, queue } = await run(signTestRequest(sample, { key: KEYS['tencent-trtc'][0] }));
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ code: 400, message: 'body is not valid JSON' });
    expect(queue.sent).toHaveLength(0);
  });

  it('rejects a recording event without TaskId with 400', async () => {
    const body = JSON.stringify({ EventGroupId: 3, EventType: 301, EventInfo: { RoomId: 1, Payload: { Status: 0 } } });
    const sample: Sample = { name: 'no-task', endpoint: 'tencent-trtc', appId: '1400000003', body };
    const { answer } = await run(signTestRequest(sample, { key: KEYS['tencent-trtc'][0] }));
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body).message).toContain('TaskId');
  });

  it('acknowledges a non-recording TRTC group without queueing it, and counts it', async () => {
    const body = JSON.stringify({ EventGroupId: 1, EventType: 103, EventInfo: { RoomId: 1 } });
    const sample: Sample = { name: 'room-event', endpoint: 'tencent-trtc', appId: '1400000003', body };
    const counted: string[] = [];
    const queue = new MemoryQueue();
    const { answer, outcome } = await handleCallback(signTestRequest(sample, { key: KEYS['tencent-trtc'][0] }), {
      providers: createProviderRegistry(),
      loadApps: async () => APPS,
      queue,
      logger,
      countOutcome: (name) => counted.push(name),
    });
    expect([answer.statusCode, outcome, queue.sent.length]).toEqual([200, 'unmodelled', 0]);
    expect(counted).toEqual(['CallbackUnmodelled']);
  });

  it('acknowledges an unrelated Chat command without queueing it', async () => {
    const sample: Sample = {
      name: 'chat-message',
      endpoint: 'tencent-im',
      appId: '1400000003',
      query: { CallbackCommand: 'C2C.CallbackAfterSendMsg' },
      body: JSON.stringify({ CallbackCommand: 'C2C.CallbackAfterSendMsg', From_Account: 'a' }),
    };
    const { answer, outcome, queue } = await run(signTestRequest(sample, { key: KEYS['tencent-im'][0] }));
    expect([answer.statusCode, outcome, queue.sent.length]).toEqual([200, 'unmodelled', 0]);
  });

  it('bounds the label of an unmodelled callback, since it is vendor-controlled text bound for logs', () => {
    const command = `C2C.${'x'.repeat(500)}`;
    const result = createProviderRegistry()
      .get('tencent-im')
      ?.interpret({
        appId: '1400000003',
        query: {},
        body: parseJsonObject(JSON.stringify({ CallbackCommand: command })),
      });
    expect(result).toEqual({ kind: 'unmodelled', label: command.slice(0, MAX_LABEL_LENGTH) });
    expect(MAX_LABEL_LENGTH).toBe(64);
  });

  it('acknowledges an undocumented SparkRTC event type without queueing it', async () => {
    const sample = {
      ...sparkSample('spark-app'),
      body: sparkRtcBody('SOMETHING_NEW', { jobId: 'j', appId: 'spark-app' }),
    };
    const { answer, outcome } = await run(signTestRequest(sample, { key: KEYS['huawei-sparkrtc'][0] }));
    expect([answer.statusCode, outcome]).toEqual([200, 'unmodelled']);
  });

  it.each([
    [undefined, 401, 0],
    [false, 401, 0],
    [true, 200, 1],
  ])(
    'without an imToken, allowUnsigned %s answers unsigned Chat webhooks %i',
    async (allowUnsigned, status, queued) => {
      const entry = { platform: 'trtc', appId: '1400000001', callbackKey: 'k', allowUnsigned };
      const apps = parseAppsDocument({ apps: [entry] }, 'test');
      const queue = new MemoryQueue();
      const { answer } = await handleCallback(signTestRequest(SEED_000), {
        providers: createProviderRegistry(),
        loadApps: async () => apps,
        queue,
        logger,
        countOutcome,
      });
      expect(answer.statusCode).toBe(status);
      expect(JSON.parse(answer.body).ActionStatus).toBe(status === 200 ? 'OK' : 'FAIL');
      expect(queue.sent).toHaveLength(queued);
    },
  );

  it('accepts unsigned SparkRTC callbacks only for an app that allows them', async () => {
    const open = await run(signTestRequest(sparkSample('spark-open')));
    expect(open.answer.statusCode).toBe(200);
    const closed = await run(signTestRequest(sparkSample('spark-closed')));
    expect(closed.answer.statusCode).toBe(401);
    expect(closed.queue.sent).toHaveLength(0);
  });

  it('rejects a TRTC SdkAppId header that contradicts the URL with 403', async () => {
    const request = signTestRequest(trtcSample('1400000003'), { key: KEYS['tencent-trtc'][0] });
    const { answer } = await run({ ...request, rawQueryString: 'SdkAppid=1400000001' });
    expect(answer.statusCode).toBe(403);
  });

  it('refuses oversized headers, query or body before any signature work', async () => {
    const providers = createProviderRegistry();
    const trtc = providers.get('tencent-trtc');
    if (!trtc) throw new Error('no trtc provider');
    let authenticated = 0;
    const spied = new Map(providers).set('tencent-trtc', {
      ...trtc,
      authenticate: (...args: Parameters<typeof trtc.authenticate>) => {
        authenticated += 1;
        return trtc.authenticate(...args);
      },
    });
    const request = signTestRequest(trtcSample('1400000003'), { key: KEYS['tencent-trtc'][0] });
    const ingest = (input: IncomingCallback) =>
      handleCallback(input, {
        providers: spied,
        loadApps: async () => APPS,
        queue: new MemoryQueue(),
        logger,
        countOutcome,
      });
    const answers = await Promise.all([
      ingest({ ...request, headers: { ...request.headers, 'x-padding': 'x'.repeat(MAX_HEADER_BYTES) } }),
      ingest({ ...request, rawQueryString: `a=${'x'.repeat(MAX_QUERY_BYTES)}` }),
      ingest({ ...request, body: 'x'.repeat(MAX_BODY_BYTES + 1) }),
      ingest({ ...request, body: Buffer.alloc(MAX_BODY_BYTES + 3).toString('base64'), isBase64Encoded: true }),
    ]);
    expect(answers.map(({ answer }) => answer.statusCode)).toEqual([400, 400, 413, 413]);
    expect(authenticated).toBe(0);
    expect((await ingest(request)).answer.statusCode).toBe(200);
    expect(authenticated).toBe(1);
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    const { answer } = await run({ ...signTestRequest(SEED_000), endpoint: 'nope' });
    expect(answer.statusCode).toBe(404);
  });
});
