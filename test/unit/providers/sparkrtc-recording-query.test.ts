import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QUERY_TEST_CREDENTIALS } from '../../../fixtures/test-secrets';
import { SPARKRTC_RECORDING_QUERY, SPARKRTC_VENDOR } from '../../../lib/providers/huawei-sparkrtc';
import type { VendorQueryContext } from '../../../lib/providers/provider';
import {
  type FakeSparkRtcApi,
  SPARKRTC_ANSWERS,
  type SparkRtcScript,
  startFakeSparkRtcApi,
} from '../../fakes/sparkrtc-api';
import { answeringFetch, parseApp, vendorQueryContext } from '../../helpers/vendor-query';

const CREDENTIALS = QUERY_TEST_CREDENTIALS.sparkrtc;
const APP = parseApp('sparkrtc', { authKey: 'sparkrtc-auth-key-current-0000000000', api: CREDENTIALS });
const MIX = 'mix-stream-jobs';
const INDIVIDUAL = 'individual-stream-jobs';

let vendor: FakeSparkRtcApi;
beforeAll(async () => {
  vendor = await startFakeSparkRtcApi({
    credentials: { [CREDENTIALS.ak]: { sk: CREDENTIALS.sk, projectId: CREDENTIALS.projectId } },
  });
});
afterAll(() => vendor.close());
beforeEach(() => vendor.resetCalls());

const ask = (jobId: string, context: Partial<VendorQueryContext> = {}, app = APP) =>
  SPARKRTC_RECORDING_QUERY.query(
    app,
    jobId,
    vendorQueryContext({ env: { SPARKRTC_API_ENDPOINT: vendor.url }, ...context }),
  );

describe('SparkRTC job queries (PROTOCOLS.md §8.2)', () => {
  it('is the sparkrtc vendor’s query, for apps with api credentials', () => {
    expect(SPARKRTC_VENDOR.recordingQuery).toBe(SPARKRTC_RECORDING_QUERY);
    expect(SPARKRTC_RECORDING_QUERY.canQuery(APP)).toBe(true);
    expect(SPARKRTC_RECORDING_QUERY.canQuery(parseApp('sparkrtc', { allowUnsigned: true }))).toBe(false);
  });

  it.each(['.', '..', 'a/b', '../other-app'])('never puts job id %j into an API path', async (jobId) => {
    expect(await ask(jobId)).toEqual({ vendorStatus: 'unknown', detail: 'job id not queryable' });
    expect(vendor.requests).toHaveLength(0);
  });

  it('sends a signed GET of the mixed-stream job first', async () => {
    vendor.script('job-sent', SPARKRTC_ANSWERS.alive);
    expect(await ask('job-sent')).toEqual({ vendorStatus: 'alive', detail: 'RUNNING' });
    const [request] = vendor.requests;
    expect(vendor.requests).toHaveLength(1);
    expect(request?.refusal).toBeUndefined();
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/v2/apps/sparkrtc-query-app/mix-stream-jobs/job-sent');
    expect(request?.body).toHaveLength(0);
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-project-id': CREDENTIALS.projectId,
      host: new URL(vendor.url).host,
    });
    expect(request?.headers['x-sdk-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request?.headers.authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=SPARKRTCRECONCILEAK0001, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
  });

  it.each<[string, string, string, SparkRtcScript]>([
    ['INIT', 'alive', 'INIT', SPARKRTC_ANSWERS.starting],
    ['RUNNING', 'alive', 'RUNNING', SPARKRTC_ANSWERS.alive],
    ['STOPPED by the tenant', 'ended', 'STOPPED/TENANT_STOP', SPARKRTC_ANSWERS.ended],
    [
      'STOPPED when idle too long',
      'ended',
      'STOPPED/EXCEED_MAX_IDLE_TIME',
      { kind: 'mix', state: 'STOPPED', stopReason: 'EXCEED_MAX_IDLE_TIME' },
    ],
    ['STOPPED on an internal error', 'failed', 'STOPPED/INTERNAL_ERROR', SPARKRTC_ANSWERS.failed],
    ['STOPPED without a reason', 'ended', 'STOPPED', { kind: 'mix', state: 'STOPPED' }],
    ['a 500', 'unknown', 'HTTP 500 RTC.00002001', SPARKRTC_ANSWERS.serverError],
    ['the gateway’s throttling', 'unknown', 'HTTP 429 APIGW.0308', SPARKRTC_ANSWERS.rateLimited],
  ])('%s → %s %s, from one call', async (name, vendorStatus, detail, script) => {
    const jobId = `job-${name.replace(/\W+/g, '-')}`;
    vendor.script(jobId, script);
    expect(await ask(jobId)).toEqual({ vendorStatus, detail });
    expect([vendor.callCount(MIX), vendor.callCount(INDIVIDUAL)]).toEqual([1, 0]);
  });

  it('a single-stream job is found after the mixed-stream query’s 404', async () => {
    vendor.script('job-individual', SPARKRTC_ANSWERS.individualAlive);
    expect(await ask('job-individual')).toEqual({ vendorStatus: 'alive', detail: 'RUNNING' });
    expect([vendor.callCount(MIX), vendor.callCount(INDIVIDUAL)]).toEqual([1, 1]);
    expect(vendor.requests[1]?.path).toBe('/v2/apps/sparkrtc-query-app/individual-stream-jobs/job-individual');
  });

  it('a job neither query knows was purged: ended, not found', async () => {
    expect(await ask('job-purged')).toEqual({ vendorStatus: 'ended', detail: 'not found' });
    expect([vendor.callCount(MIX), vendor.callCount(INDIVIDUAL)]).toEqual([1, 1]);
  });

  it('the same answer is the same finding: no request id in it', async () => {
    vendor.script('job-twice', SPARKRTC_ANSWERS.serverError);
    expect(await ask('job-twice')).toEqual(await ask('job-twice'));
  });

  it.each<[string, string, Partial<VendorQueryContext>, Record<string, unknown>]>([
    ['a wrong SK', 'verify aksk signature fail', {}, { sk: QUERY_TEST_CREDENTIALS.wrongSecret }],
    ['an unknown AK', 'ak not found', {}, { ak: 'AKUNKNOWNTOTHEVENDOR' }],
    ['another project', 'the project is not the AK owner’s', {}, { projectId: 'project-of-someone-else' }],
    ['a clock 16 minutes fast', 'signature expired', { now: () => Date.now() + 16 * 60_000 }, {}],
  ])('the gateway checks the signature: %s is refused (%s)', async (_name, refusal, context, api) => {
    const app = parseApp('sparkrtc', { allowUnsigned: true, api: { ...CREDENTIALS, ...api } });
    vendor.script('job-auth', SPARKRTC_ANSWERS.alive);
    expect(await ask('job-auth', context, app)).toEqual({ vendorStatus: 'unknown', detail: 'HTTP 401 APIGW.0301' });
    expect(vendor.requests.map((request) => request.refusal)).toEqual([refusal]);
  });

  it('a slow vendor is a timeout, within the budget', async () => {
    vendor.script('job-slow', { ...SPARKRTC_ANSWERS.alive, delayMs: 10_000 });
    const started = Date.now();
    expect(await ask('job-slow', { timeoutMs: 150 })).toEqual({ vendorStatus: 'unknown', detail: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('one budget covers both queries: two answers that each fit in it do not fit together', async () => {
    vendor.script('job-slow-twice', { ...SPARKRTC_ANSWERS.individualAlive, delayMs: 400 });
    expect(await ask('job-slow-twice', { timeoutMs: 700 })).toEqual({ vendorStatus: 'unknown', detail: 'timeout' });
    expect([vendor.callCount(MIX), vendor.callCount(INDIVIDUAL)]).toEqual([1, 1]);
  });

  it.each<[string, string, typeof fetch]>([
    ['a 502 without a body', 'HTTP 502', answeringFetch(502, '')],
    ['a 401 with an error_code', 'HTTP 401 APIGW.0301', answeringFetch(401, '{"error_code":"APIGW.0301"}')],
    ['an error_code that is free text', 'HTTP 400', answeringFetch(400, '{"error_code":"see the docs"}')],
    ['an answer that is not JSON', 'bad answer', answeringFetch(200, '<html>gateway</html>')],
    ['a job without a state', 'bad answer', answeringFetch(200, '{"job_id":"j"}')],
    ['an undocumented state', 'PAUSED', answeringFetch(200, '{"state":"PAUSED"}')],
    ['a network error', 'network error', async () => Promise.reject(new TypeError('fetch failed'))],
    // Not the service's "no such job": a wrong endpoint or path must not end every stale recording.
    [
      'a gateway 404',
      'HTTP 404 APIGW.0101',
      answeringFetch(404, '{"error_code":"APIGW.0101","error_msg":"API not found"}'),
    ],
    ['a 404 without an error_code', 'HTTP 404', answeringFetch(404, 'Not Found')],
  ])('%s is unknown: %s', async (_name, detail, fetch) => {
    expect(await ask('job-x', { fetch })).toEqual({ vendorStatus: 'unknown', detail });
  });
});
