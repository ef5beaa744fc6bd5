import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyDeliveries, interpretSample } from '../../../fixtures/interpret';
import {
  LIVEKIT_VECTOR,
  LIVEKIT_VECTOR_SPACED_BODY,
  liveKitLifecycle,
  liveKitSample,
} from '../../../fixtures/livekit-samples';
import { parseAppsDocument } from '../../../lib/config/apps';
import { AppNotAllowedError, AppsConfigError, VerificationError } from '../../../lib/errors';
import { parseJsonObject } from '../../../lib/json';
import { createLiveKitProvider, signLiveKitWebhook } from '../../../lib/providers/livekit';

const provider = createLiveKitProvider();
const V = LIVEKIT_VECTOR;
const apps = parseAppsDocument(
  {
    apps: [
      { platform: 'livekit', appId: 'project', apiKeys: { [V.apiKey]: V.apiSecret, APIrotated: 'rotated-secret' } },
      { platform: 'livekit', appId: 'other', apiKeys: { APIother: 'other-secret' } },
    ],
  },
  'test',
);
/** The vector's `iat`, in ms: tests inject the clock, as the vendor's SDK check had to (PROTOCOLS.md §7). */
const ISSUED = V.issuedAt * 1000;

const authenticate = (authorization: string | undefined, options: { body?: string; now?: number } = {}) =>
  provider.authenticate(
    {
      endpoint: 'livekit',
      body: Buffer.from(options.body ?? V.body),
      headers: authorization === undefined ? {} : { authorization },
      query: {},
      receivedAt: options.now ?? ISSUED,
    },
    { apps, body: () => parseJsonObject(options.body ?? V.body) },
  );
const failure = (attempt: () => unknown): string => {
  try {
    attempt();
  } catch (error) {
    if (error instanceof VerificationError) return error.code;
    if (error instanceof AppNotAllowedError) return error.code;
    throw error;
  }
  return 'accepted';
};

describe('LiveKit webhook JWT (PROTOCOLS.md §7 vector)', () => {
  it('the production signer reproduces the vector token, claims in golang-jwt order', () => {
    expect(signLiveKitWebhook(V.apiKey, V.apiSecret, V.body, V.issuedAt)).toBe(V.authorization);
  });

  it('the vector verifies; the key selects the app', () => {
    expect(authenticate(V.authorization).appId).toBe('project');
  });

  it('hashes the raw bytes: the spaced encoding is the same event with its own sha256', () => {
    const spaced = signLiveKitWebhook(V.apiKey, V.apiSecret, LIVEKIT_VECTOR_SPACED_BODY, V.issuedAt);
    const claims = JSON.parse(Buffer.from(spaced.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.sha256).toBe(V.spacedSha256);
    expect(authenticate(spaced, { body: LIVEKIT_VECTOR_SPACED_BODY }).appId).toBe('project');
    expect(failure(() => authenticate(V.authorization, { body: LIVEKIT_VECTOR_SPACED_BODY }))).toBe('bad_signature');
    const sample = liveKitSample('v', { egressId: 'x', event: 'egress_ended', id: 'x' });
    expect(interpretSample({ ...sample, body: LIVEKIT_VECTOR_SPACED_BODY }).eventId).toBe(
      interpretSample({ ...sample, body: V.body }).eventId,
    );
  });

  it('refuses a tampered body, a wrong secret, an unknown key, a Bearer prefix, and no token', () => {
    expect(failure(() => authenticate(V.authorization, { body: V.body.replace('room-42', 'room-43') }))).toBe(
      'bad_signature',
    );
    expect(failure(() => authenticate(signLiveKitWebhook(V.apiKey, 'wrong', V.body, V.issuedAt)))).toBe(
      'bad_signature',
    );
    expect(failure(() => authenticate(signLiveKitWebhook('APIunknown', V.apiSecret, V.body, V.issuedAt)))).toBe(
      'unknown_app',
    );
    // The right secret under another app's key is still that key's secret check.
    expect(failure(() => authenticate(signLiveKitWebhook('APIother', V.apiSecret, V.body, V.issuedAt)))).toBe(
      'bad_signature',
    );
    expect(failure(() => authenticate(`Bearer ${V.authorization}`))).toBe('bad_signature');
    expect(failure(() => authenticate(undefined))).toBe('missing_signature');
    expect(failure(() => authenticate('a.b'))).toBe('bad_signature');
  });

  it('refuses alg none and a token whose signature was cut', () => {
    const [, payload] = V.authorization.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    expect(failure(() => authenticate(none))).toBe('bad_signature');
    expect(failure(() => authenticate(V.authorization.slice(0, -2)))).toBe('bad_signature');
  });

  it('every key of the app verifies (rotation)', () => {
    expect(authenticate(signLiveKitWebhook('APIrotated', 'rotated-secret', V.body, V.issuedAt)).appId).toBe('project');
  });

  // LiveKit never retries a 4xx (PROTOCOLS.md §7): a wrong 401 loses the event, so the edges are exact.
  it('exp and nbf with 60 s of leeway, to the millisecond', () => {
    const exp = (V.issuedAt + 300) * 1000;
    const nbf = V.issuedAt * 1000;
    expect(failure(() => authenticate(V.authorization, { now: exp + 60_000 }))).toBe('accepted');
    expect(failure(() => authenticate(V.authorization, { now: exp + 60_001 }))).toBe('stale_timestamp');
    expect(failure(() => authenticate(V.authorization, { now: nbf - 60_000 }))).toBe('accepted');
    expect(failure(() => authenticate(V.authorization, { now: nbf - 60_001 }))).toBe('stale_timestamp');
  });

  it('a configurable leeway; a token without exp is refused, as the Go receiver requires it', () => {
    const strict = createLiveKitProvider({ clockLeewaySeconds: 0 });
    const at = (now: number) =>
      strict.authenticate(
        {
          endpoint: 'livekit',
          body: Buffer.from(V.body),
          headers: { authorization: V.authorization },
          query: {},
          receivedAt: now,
        },
        { apps, body: () => parseJsonObject(V.body) },
      );
    expect(failure(() => at((V.issuedAt + 300) * 1000))).toBe('accepted');
    expect(failure(() => at((V.issuedAt + 300) * 1000 + 1))).toBe('stale_timestamp');
    const claims = { iss: V.apiKey, nbf: V.issuedAt, sha256: V.sha256 };
    const input = `${V.authorization.split('.')[0]}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const noExp = `${input}.${createHmac('sha256', V.apiSecret).update(input).digest('base64url')}`;
    expect(failure(() => authenticate(noExp))).toBe('bad_timestamp');
  });
});

describe('LiveKit apps document', () => {
  it('an API key belongs to one app only (README, "The apps document")', () => {
    expect(() =>
      parseAppsDocument(
        {
          apps: [
            { platform: 'livekit', appId: 'a', apiKeys: { APIsame: 's1' } },
            { platform: 'livekit', appId: 'b', apiKeys: { APIsame: 's2' } },
          ],
        },
        'test',
      ),
    ).toThrow(AppsConfigError);
    expect(() => parseAppsDocument({ apps: [{ platform: 'livekit', appId: 'a', apiKeys: {} }] }, 'test')).toThrow(
      /apiKeys/,
    );
    expect(() =>
      parseAppsDocument({ apps: [{ platform: 'livekit', appId: 'a', apiKeys: { K: '' } }] }, 'test'),
    ).toThrow(/apiKeys/);
  });

  it('never prints a secret', () => {
    expect(JSON.stringify(apps.list())).not.toContain(V.apiSecret);
  });
});

describe('LiveKit interpretation', () => {
  const sample = liveKitSample('v', { egressId: 'x', event: 'egress_ended', id: 'x' });
  const vector = interpretSample({ ...sample, body: V.body });

  it('the vector: task = egressId, event id as identity, one file with its location, completed', () => {
    expect(vector).toMatchObject({
      platform: 'livekit',
      taskId: 'EG_k3XqYV9z8pTw',
      roomId: 'room-42',
      eventType: 'egress_ended',
      occurredAt: 1700000601000,
    });
    expect(vector.files).toEqual([
      {
        name: 'recordings/room-42/EG_k3XqYV9z8pTw.mp4',
        url: 'https://example-bucket.s3.amazonaws.com/recordings/room-42/EG_k3XqYV9z8pTw.mp4',
        status: 'uploaded',
      },
    ]);
    expect(applyDeliveries([vector]).status).toBe('completed');
  });

  it('int64 fields stay exact strings in the queued body it re-reads', () => {
    const body = parseJsonObject(liveKitSample('b', { egressId: 'x', event: 'egress_ended', id: 'y', file: 'f' }).body);
    const info = body.egressInfo as { fileResults: { size: unknown }[] };
    expect(info.fileResults[0]?.size).toBe('9007199254740993');
  });

  it('acknowledges room and participant events without modelling them', () => {
    for (const event of ['room_started', 'participant_joined', 'track_published']) {
      expect(
        provider.interpret({
          appId: 'project',
          query: {},
          body: parseJsonObject(`{"event":"${event}","id":"EV_1"}`),
        }),
      ).toEqual({ kind: 'unmodelled', label: event });
    }
  });

  it('an egress event without egressId, or with an unknown status, is a bad request', () => {
    const interpret = (body: string) => () =>
      provider.interpret({ appId: 'project', query: {}, body: parseJsonObject(body) });
    expect(interpret('{"event":"egress_started","egressInfo":{}}')).toThrow(/egressId/);
    expect(interpret('{"event":"egress_ended","egressInfo":{"egressId":"E","status":"EGRESS_SOMETHING"}}')).toThrow(
      /status/,
    );
  });

  it('segments and images are files too; streams are not', () => {
    const body = JSON.stringify({
      event: 'egress_ended',
      id: 'EV_seg',
      egressInfo: {
        egressId: 'EG_s',
        status: 'EGRESS_COMPLETE',
        segmentResults: [
          { playlistName: 'p.m3u8', playlistLocation: 'https://b/p.m3u8', livePlaylistName: 'live.m3u8' },
        ],
        imageResults: [{ filenamePrefix: 'img/' }],
        streamResults: [{ url: 'rtmp://x' }],
      },
    });
    expect(interpretSample({ ...sample, body }).files.map((file) => [file.name, file.url])).toEqual([
      ['p.m3u8', 'https://b/p.m3u8'],
      ['live.m3u8', null],
      ['img/', null],
    ]);
  });
});

describe('LiveKit status rule (README, "Status rules")', () => {
  const state = (steps: [string, string | undefined][]) =>
    applyDeliveries(
      steps.map(([event, status], index) =>
        interpretSample(liveKitSample('s', { egressId: 'EG_1', event, status, id: `EV_${index}` })),
      ),
    ).status;

  it.each<[string, [string, string | undefined][], string]>([
    ['started, no status (STARTING)', [['egress_started', undefined]], 'recording'],
    ['updated ACTIVE', [['egress_updated', 'EGRESS_ACTIVE']], 'recording'],
    [
      'updated ENDING, no ended',
      [
        ['egress_started', undefined],
        ['egress_updated', 'EGRESS_ENDING'],
      ],
      'stopped',
    ],
    [
      'ended COMPLETE first',
      [
        ['egress_ended', 'EGRESS_COMPLETE'],
        ['egress_started', undefined],
      ],
      'completed',
    ],
    [
      'ended LIMIT_REACHED',
      [
        ['egress_updated', 'EGRESS_ACTIVE'],
        ['egress_ended', 'EGRESS_LIMIT_REACHED'],
      ],
      'completed',
    ],
    [
      'ended FAILED',
      [
        ['egress_updated', 'EGRESS_ENDING'],
        ['egress_ended', 'EGRESS_FAILED'],
      ],
      'failed',
    ],
    [
      'ended ABORTED',
      [
        ['egress_started', undefined],
        ['egress_ended', 'EGRESS_ABORTED'],
      ],
      'failed',
    ],
    [
      'two terminal values: failure wins',
      [
        ['egress_ended', 'EGRESS_COMPLETE'],
        ['egress_ended', 'EGRESS_FAILED'],
      ],
      'failed',
    ],
  ])('%s → %s', (_name, steps, status) => {
    expect(state(steps)).toBe(status);
  });

  it('the lifecycle sample ends completed with one file', () => {
    const result = applyDeliveries(liveKitLifecycle('EG_lifecycle01').map(interpretSample));
    expect(result.status).toBe('completed');
    expect(result.fileCount).toBe(1);
    expect(result.eventCount).toBe(4);
  });
});
