import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liveKitBody } from '../../../fixtures/livekit-samples';
import { QUERY_TEST_CREDENTIALS } from '../../../fixtures/test-secrets';
import { type JsonObject, parseJsonObject } from '../../../lib/json';
import type { RecordingEvent } from '../../../lib/model/events';
import { createLiveKitProvider, LIVEKIT_RECORDING_QUERY, LIVEKIT_VENDOR } from '../../../lib/providers/livekit';
import type { VendorQueryContext } from '../../../lib/providers/provider';
import {
  type EgressStatusName,
  type FakeLiveKitApi,
  LIVEKIT_ANSWERS,
  type LiveKitScript,
  startFakeLiveKitApi,
} from '../../fakes/livekit-api';
import { answeringFetch, parseApp, vendorQueryContext } from '../../helpers/vendor-query';

const { apiKey, apiSecret } = QUERY_TEST_CREDENTIALS.livekit;
const APP_ID = 'livekit-query-app';
const provider = createLiveKitProvider();

let vendor: FakeLiveKitApi;
beforeAll(async () => {
  vendor = await startFakeLiveKitApi({ apiKeys: { [apiKey]: apiSecret } });
});
afterAll(() => vendor.close());
beforeEach(() => vendor.resetCalls());

/** The app signs with its first key and that key's first secret; the others are for webhooks only. */
const appWith = (apiKeys: Record<string, string | string[]>) =>
  parseApp('livekit', { appId: APP_ID, apiKeys, api: { url: `${vendor.url}/` } });
const ask = (
  egressId: string,
  context: Partial<VendorQueryContext> = {},
  keys: Record<string, string | string[]> = { [apiKey]: apiSecret },
) => LIVEKIT_RECORDING_QUERY.query(appWith(keys), egressId, vendorQueryContext(context));

/** What process would make of a callback body: the provider's own `interpret`. */
function interpret(body: JsonObject | undefined): RecordingEvent {
  if (!body) throw new Error('no mirrored callback');
  const result = provider.interpret({ appId: APP_ID, query: {}, body });
  if (result.kind !== 'event' || result.event.kind !== 'recording') throw new Error('not a recording event');
  return result.event;
}

describe('LiveKit ListEgress (PROTOCOLS.md §8.4)', () => {
  it('is the livekit vendor’s query, for apps with an api url', () => {
    expect(LIVEKIT_VENDOR.recordingQuery).toBe(LIVEKIT_RECORDING_QUERY);
    expect(LIVEKIT_RECORDING_QUERY.maxCallsPerSecond).toBe(10);
    expect(LIVEKIT_RECORDING_QUERY.canQuery(appWith({ [apiKey]: apiSecret }))).toBe(true);
    expect(LIVEKIT_RECORDING_QUERY.canQuery(parseApp('livekit', { apiKeys: { APIother: 's' } }))).toBe(false);
  });

  it('sends a Bearer token of the first key with the roomRecord grant, for 10 minutes', async () => {
    vendor.script('EG_sent', LIVEKIT_ANSWERS.active);
    const keys = {
      [apiKey]: [apiSecret, 'livekit-secret-previous-00000000000'],
      APIsecondKey: 'livekit-secret-current-000000000000',
    };
    expect((await ask('EG_sent', {}, keys)).vendorStatus).toBe('alive');
    const [request] = vendor.requests;
    // The fake knows only the first key's first secret.
    expect(request?.refusal).toBeUndefined();
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/twirp/livekit.Egress/ListEgress');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body.toString()).toBe('{"egress_id":"EG_sent"}');
    const token = (request?.headers.authorization ?? '').replace(/^Bearer /, '');
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({ iss: apiKey, video: { roomRecord: true } });
    expect(claims.exp - claims.nbf).toBe(600);
    expect(vendor.callCount('ListEgress')).toBe(1);
  });

  it.each<[EgressStatusName, string]>([
    ['EGRESS_STARTING', 'alive'],
    ['EGRESS_ACTIVE', 'alive'],
    // Still finalizing its outputs: asked again until COMPLETE or FAILED.
    ['EGRESS_ENDING', 'alive'],
    ['EGRESS_COMPLETE', 'ended'],
    ['EGRESS_LIMIT_REACHED', 'ended'],
    ['EGRESS_FAILED', 'failed'],
    ['EGRESS_ABORTED', 'failed'],
  ])('%s → %s, with the status as detail', async (status, vendorStatus) => {
    vendor.script(`EG_${status}`, { kind: 'egress', status });
    expect(await ask(`EG_${status}`)).toMatchObject({ vendorStatus, detail: status });
  });

  it.each<[string, string, LiveKitScript | undefined]>([
    ['an egress the server no longer has (404 not_found)', 'ended', undefined],
    ['200 with no items', 'ended', LIVEKIT_ANSWERS.noItems],
  ])('%s is %s: not_found', async (_name, vendorStatus, script) => {
    if (script) vendor.script('EG_gone', script);
    expect(await ask('EG_gone')).toEqual({ vendorStatus, detail: 'not_found' });
  });

  it.each<[string, string, LiveKitScript]>([
    ['a 500', 'HTTP 500 internal', LIVEKIT_ANSWERS.internalError],
    ['a rate limit', 'HTTP 429 resource_exhausted', LIVEKIT_ANSWERS.rateLimited],
  ])('%s is unknown: %s', async (_name, detail, script) => {
    vendor.script('EG_error', script);
    expect(await ask('EG_error')).toEqual({ vendorStatus: 'unknown', detail });
  });

  it.each<[string, string, Partial<VendorQueryContext>, Record<string, string>]>([
    ['a wrong secret', 'invalid signature', {}, { [apiKey]: QUERY_TEST_CREDENTIALS.wrongSecret }],
    ['a key the server does not know', 'unknown API key', {}, { APIunknownKey: apiSecret }],
    ['a token that expired 2 minutes ago', 'token expired', { now: () => Date.now() - 12 * 60_000 }, {}],
    ['a token valid only in 2 minutes', 'token not valid yet', { now: () => Date.now() + 2 * 60_000 }, {}],
  ])('the server checks the token: %s is refused (%s)', async (_name, refusal, context, keys) => {
    vendor.script('EG_auth', LIVEKIT_ANSWERS.active);
    const finding = await ask('EG_auth', context, Object.keys(keys).length ? keys : { [apiKey]: apiSecret });
    expect(finding).toEqual({ vendorStatus: 'unknown', detail: 'HTTP 401 unauthenticated' });
    expect(vendor.requests.map((request) => request.refusal)).toEqual([refusal]);
  });

  it('a slow server is a timeout, within the budget', async () => {
    vendor.script('EG_slow', { ...LIVEKIT_ANSWERS.active, delayMs: 10_000 });
    const started = Date.now();
    expect(await ask('EG_slow', { timeoutMs: 150 })).toEqual({ vendorStatus: 'unknown', detail: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each<[string, string, typeof fetch]>([
    ['a 401 that is not Twirp', 'HTTP 401', answeringFetch(401, 'unauthorized')],
    ['an answer that is not JSON', 'bad answer', answeringFetch(200, '<html>proxy</html>')],
    ['items that are not a list', 'bad answer', answeringFetch(200, '{"items":{}}')],
    ['items without this egress', 'bad answer', answeringFetch(200, '{"items":[{"egress_id":"EG_other"}]}')],
    [
      'an undocumented status',
      'EGRESS_PAUSED',
      answeringFetch(200, '{"items":[{"egress_id":"EG_x","status":"EGRESS_PAUSED"}]}'),
    ],
    ['a network error', 'network error', async () => Promise.reject(new TypeError('fetch failed'))],
  ])('%s is unknown: %s', async (_name, detail, fetch) => {
    expect(await ask('EG_x', { fetch })).toEqual({ vendorStatus: 'unknown', detail });
  });
});

describe('the EgressInfo, mirrored as the webhook it stands for (README, "Lost callbacks")', () => {
  const FILE = 'recordings/room-42/egress.mp4';

  it('is applied as LiveKit’s own egress_ended would be: same status code, room and files', async () => {
    vendor.script('EG_mirror', LIVEKIT_ANSWERS.complete);
    const { mirroredCallback } = await ask('EG_mirror');
    const webhook = parseJsonObject(
      liveKitBody({
        egressId: 'EG_mirror',
        event: 'egress_ended',
        status: 'EGRESS_COMPLETE',
        id: 'EV_real',
        file: FILE,
      }),
    );
    const mirrored = interpret(mirroredCallback);
    const real = interpret(webhook);
    expect(mirrored).toMatchObject({ taskId: 'EG_mirror', eventType: 'egress_ended', code: 3, roomId: 'room-42' });
    expect([mirrored.code, mirrored.roomId, mirrored.files]).toEqual([real.code, real.roomId, real.files]);
    expect(mirrored.files).toEqual([{ name: FILE, url: `https://bucket.example.com/${FILE}`, status: 'uploaded' }]);
    // updated_at 1700000601000000000 ns is the webhook's createdAt in seconds.
    expect(mirrored.occurredAt).toBe(1_700_000_601_000);
  });

  it('a failed egress is egress_ended with its files failed; an active one is egress_updated', async () => {
    vendor.script('EG_failed', { kind: 'egress', status: 'EGRESS_FAILED', files: [FILE] });
    vendor.script('EG_active', LIVEKIT_ANSWERS.active);
    expect(interpret((await ask('EG_failed')).mirroredCallback)).toMatchObject({
      eventType: 'egress_ended',
      code: 4,
      files: [{ name: FILE, status: 'failed' }],
    });
    expect(interpret((await ask('EG_active')).mirroredCallback)).toMatchObject({
      eventType: 'egress_updated',
      code: 1,
    });
  });

  it('is camelCase throughout, keeps values (int64 strings stay strings) and a map’s own keys', async () => {
    vendor.script('EG_shape', LIVEKIT_ANSWERS.complete);
    const body = (await ask('EG_shape')).mirroredCallback ?? {};
    const text = JSON.stringify(body);
    // The one snake_case key left is the user's own, in a map.
    expect(text.match(/"[a-z0-9]+_[a-z0-9_]+":/g)).toEqual(['"recorded_by":']);
    expect(body).toMatchObject({
      event: 'egress_ended',
      id: 'reconciled-EG_shape-EGRESS_COMPLETE-1700000601000000000',
      createdAt: '1700000601',
      egressInfo: {
        egressId: 'EG_shape',
        roomName: 'room-42',
        updatedAt: '1700000601000000000',
        fileResults: [{ filename: FILE, size: '9007199254740993' }],
        roomComposite: { fileOutputs: [{ s3: { metadata: { recorded_by: 'rtc-recording-callbacks' } } }] },
      },
    });
  });

  it('is the same whenever the egress is found unchanged, so that it is one event', async () => {
    vendor.script('EG_same', LIVEKIT_ANSWERS.complete);
    expect(await ask('EG_same')).toEqual(await ask('EG_same'));
    expect(interpret((await ask('EG_same')).mirroredCallback).eventId).toBe(
      interpret((await ask('EG_same')).mirroredCallback).eventId,
    );
  });

  it('reads a camelCase answer too; a missing status is EGRESS_STARTING', async () => {
    const camel = (info: object) => answeringFetch(200, JSON.stringify({ items: [info] }));
    const ended = await ask('EG_camel', {
      fetch: camel({ egressId: 'EG_camel', status: 'EGRESS_COMPLETE', fileResults: [{ filename: FILE }] }),
    });
    expect(ended).toMatchObject({ vendorStatus: 'ended', detail: 'EGRESS_COMPLETE' });
    expect(interpret(ended.mirroredCallback).files).toEqual([{ name: FILE, url: null, status: 'uploaded' }]);
    const starting = await ask('EG_camel', { fetch: camel({ egressId: 'EG_camel' }) });
    expect(starting).toMatchObject({ vendorStatus: 'alive', detail: 'EGRESS_STARTING' });
    // No updatedAt: no createdAt, and the id says 0.
    expect(starting.mirroredCallback).toMatchObject({
      event: 'egress_updated',
      id: 'reconciled-EG_camel-EGRESS_STARTING-0',
    });
    expect(starting.mirroredCallback).not.toHaveProperty('createdAt');
  });
});
