import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QUERY_TEST_CREDENTIALS } from '../../../fixtures/test-secrets';
import type { VendorQueryContext } from '../../../lib/providers/provider';
import { TRTC_RECORDING_QUERY, TRTC_VENDOR } from '../../../lib/providers/tencent-trtc';
import { type FakeTrtcApi, startFakeTrtcApi, TRTC_ANSWERS, type TrtcScript } from '../../fakes/trtc-api';
import { answeringFetch, parseApp, vendorQueryContext } from '../../helpers/vendor-query';

const CREDENTIALS = QUERY_TEST_CREDENTIALS.trtc;
const APP = parseApp('trtc', { callbackKey: 'trtcKeyCurrent01', api: CREDENTIALS });

let vendor: FakeTrtcApi;
/** The vendor's clock, which a test may fix. */
let vendorNow = Date.now;
beforeAll(async () => {
  vendor = await startFakeTrtcApi({
    credentials: { [CREDENTIALS.secretId]: CREDENTIALS.secretKey },
    now: () => vendorNow(),
  });
});
afterAll(() => vendor.close());
beforeEach(() => {
  vendor.resetCalls();
  vendorNow = Date.now;
});

const ask = (taskId: string, context: Partial<VendorQueryContext> = {}, app = APP) =>
  TRTC_RECORDING_QUERY.query(app, taskId, vendorQueryContext({ env: { TRTC_API_ENDPOINT: vendor.url }, ...context }));

describe('TRTC DescribeCloudRecording (PROTOCOLS.md §8.1)', () => {
  it('is the trtc vendor’s query, for apps with api credentials, at half the vendor’s 20 calls/s', () => {
    expect(TRTC_VENDOR.recordingQuery).toBe(TRTC_RECORDING_QUERY);
    expect(TRTC_RECORDING_QUERY.maxCallsPerSecond).toBe(10);
    expect(TRTC_RECORDING_QUERY.canQuery(APP)).toBe(true);
    expect(TRTC_RECORDING_QUERY.canQuery(parseApp('trtc', { callbackKey: 'trtcKeyCurrent01' }))).toBe(false);
  });

  it('sends the documented request, signed for the host it calls', async () => {
    vendor.script('task-sent', TRTC_ANSWERS.alive);
    vendorNow = () => 1_700_000_030_000;
    expect(await ask('task-sent', { now: () => 1_700_000_000_123 })).toEqual({
      vendorStatus: 'alive',
      detail: 'InProgress',
    });
    const [request] = vendor.requests;
    expect(request?.refusal).toBeUndefined();
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/');
    expect(request?.body.toString()).toBe('{"SdkAppId":1400000001,"TaskId":"task-sent"}');
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      host: new URL(vendor.url).host,
      'x-tc-action': 'DescribeCloudRecording',
      'x-tc-version': '2019-07-22',
      'x-tc-timestamp': '1700000000',
      'x-tc-region': 'ap-guangzhou',
    });
    expect(request?.headers.authorization).toMatch(
      /^TC3-HMAC-SHA256 Credential=AKIDreconcileTestSecretId0001\/2023-11-14\/trtc\/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$/,
    );
    expect(vendor.callCount('DescribeCloudRecording')).toBe(1);
  });

  it.each<[string, TrtcScript, string, string]>([
    ['InProgress', TRTC_ANSWERS.alive, 'alive', 'InProgress'],
    ['Idle', TRTC_ANSWERS.idle, 'alive', 'Idle'],
    ['Exited', TRTC_ANSWERS.ended, 'ended', 'Exited'],
    ['ResourceNotFound', TRTC_ANSWERS.notFound, 'ended', 'ResourceNotFound'],
    [
      'a ResourceNotFound subcode',
      { errorCode: 'ResourceNotFound.TaskNotExist' },
      'ended',
      'ResourceNotFound.TaskNotExist',
    ],
    ['InternalError.CRInternalError', TRTC_ANSWERS.internalError, 'unknown', 'InternalError.CRInternalError'],
    ['RequestLimitExceeded', TRTC_ANSWERS.rateLimited, 'unknown', 'RequestLimitExceeded'],
  ])('%s → %s', async (name, script, vendorStatus, detail) => {
    const taskId = `task-${name.replaceAll(' ', '-')}`;
    vendor.script(taskId, script);
    expect(await ask(taskId)).toEqual({ vendorStatus, detail });
  });

  it('a task the vendor does not know is ResourceNotFound: ended', async () => {
    expect(await ask('task-never-scripted')).toEqual({ vendorStatus: 'ended', detail: 'ResourceNotFound' });
  });

  it('the same answer is the same finding: no RequestId in it', async () => {
    vendor.script('task-twice', TRTC_ANSWERS.alive);
    expect(await ask('task-twice')).toEqual(await ask('task-twice'));
  });

  it.each<[string, string, Partial<VendorQueryContext>, Record<string, unknown>]>([
    ['a wrong SecretKey', 'AuthFailure.SignatureFailure', {}, { secretKey: QUERY_TEST_CREDENTIALS.wrongSecret }],
    ['an unknown SecretId', 'AuthFailure.SecretIdNotFound', {}, { secretId: 'AKIDunknownToTheVendor00' }],
    ['a clock 6 minutes slow', 'AuthFailure.SignatureExpire', { now: () => Date.now() - 6 * 60_000 }, {}],
  ])('the vendor checks the signature: %s is %s', async (_name, code, context, api) => {
    const app = parseApp('trtc', { callbackKey: 'trtcKeyCurrent01', api: { ...CREDENTIALS, ...api } });
    vendor.script('task-auth', TRTC_ANSWERS.alive);
    expect(await ask('task-auth', context, app)).toEqual({ vendorStatus: 'unknown', detail: code });
    expect(vendor.requests[0]?.refusal).toBe(code);
  });

  it('a slow vendor is a timeout, within the budget', async () => {
    vendor.script('task-slow', { ...TRTC_ANSWERS.alive, delayMs: 10_000 });
    const started = Date.now();
    expect(await ask('task-slow', { timeoutMs: 150 })).toEqual({ vendorStatus: 'unknown', detail: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each<[string, string, typeof fetch]>([
    ['a non-200 status', 'HTTP 502', answeringFetch(502, '<html>bad gateway</html>')],
    ['an answer that is not JSON', 'bad answer', answeringFetch(200, 'not json')],
    ['an answer without Response', 'bad answer', answeringFetch(200, '{"Status":"InProgress"}')],
    ['an error code that is free text', 'bad answer', answeringFetch(200, '{"Response":{"Error":{"Code":"a b"}}}')],
    ['an undocumented Status', 'Paused', answeringFetch(200, '{"Response":{"Status":"Paused"}}')],
    ['a network error', 'network error', async () => Promise.reject(new TypeError('fetch failed'))],
  ])('%s is unknown: %s', async (_name, detail, fetch) => {
    expect(await ask('task-x', { fetch })).toEqual({ vendorStatus: 'unknown', detail });
  });

  it('an endpoint that is not a URL is unknown, not a throw', async () => {
    const finding = await TRTC_RECORDING_QUERY.query(
      APP,
      'task-x',
      vendorQueryContext({ env: { TRTC_API_ENDPOINT: 'not a url' } }),
    );
    expect(finding).toEqual({ vendorStatus: 'unknown', detail: 'bad endpoint' });
  });
});
