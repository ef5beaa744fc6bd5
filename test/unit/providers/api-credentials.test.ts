import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { QUERY_TEST_CREDENTIALS } from '../../../fixtures/test-secrets';
import { parseAppsDocument } from '../../../lib/config/apps';
import { AppsConfigError } from '../../../lib/errors';
import { VENDORS } from '../../../lib/providers/registry';
import { parseApp } from '../../helpers/vendor-query';

const { trtc, sparkrtc, livekit } = QUERY_TEST_CREDENTIALS;
const SECRETS = [trtc.secretKey, sparkrtc.sk, livekit.apiSecret];
const ENTRIES = {
  trtc: { platform: 'trtc', appId: '1400000001', callbackKey: 'trtcKeyCurrent01' },
  sparkrtc: { platform: 'sparkrtc', appId: 'sparkrtc-query-app', allowUnsigned: true },
  livekit: { platform: 'livekit', appId: 'livekit-query-app', apiKeys: { [livekit.apiKey]: livekit.apiSecret } },
};

describe('vendor API credentials, "api" (README, "The apps document")', () => {
  it('are read per vendor; a LiveKit url loses its trailing slash', () => {
    expect(parseApp('trtc', { callbackKey: 'k', api: trtc }).api).toMatchObject({
      secretId: trtc.secretId,
      region: 'ap-guangzhou',
    });
    expect(parseApp('trtc', { callbackKey: 'k', api: trtc }).api?.secretKey.reveal()).toEqual([trtc.secretKey]);
    const sparkApp = parseApp('sparkrtc', { allowUnsigned: true, api: sparkrtc });
    expect(sparkApp.api).toMatchObject({ ak: sparkrtc.ak, projectId: sparkrtc.projectId });
    expect(sparkApp.api?.sk.reveal()).toEqual([sparkrtc.sk]);
    const liveKitApp = parseApp('livekit', { ...ENTRIES.livekit, api: { url: 'https://my-project.livekit.cloud/' } });
    expect(liveKitApp.api).toEqual({ url: 'https://my-project.livekit.cloud' });
  });

  it('are optional: without them an app has no api', () => {
    expect(parseApp('trtc', { callbackKey: 'k' }).api).toBeUndefined();
    expect(parseApp('sparkrtc', { allowUnsigned: true })).not.toHaveProperty('api');
    expect(parseApp('livekit', ENTRIES.livekit)).not.toHaveProperty('api');
  });

  it('declare their secrets by path, so that the schema and the declaration agree', () => {
    const secretFields = Object.fromEntries(VENDORS.map((vendor) => [vendor.platform, vendor.secretFields]));
    expect(secretFields.trtc).toContain('api.secretKey');
    expect(secretFields.sparkrtc).toContain('api.sk');
  });

  it('never print a secret when an app is logged or serialized', () => {
    const apps = parseAppsDocument(
      {
        apps: [
          { ...ENTRIES.trtc, api: trtc },
          { ...ENTRIES.sparkrtc, api: sparkrtc },
          { ...ENTRIES.livekit, api: { url: 'https://my-project.livekit.cloud' } },
        ],
      },
      'doc',
    );
    for (const app of apps.list()) {
      for (const secret of SECRETS) {
        expect(JSON.stringify(app)).not.toContain(secret);
        expect(inspect(app, { depth: 10 })).not.toContain(secret);
      }
    }
  });

  it.each<[string, object, string]>([
    [
      'trtc: a string',
      { ...ENTRIES.trtc, api: 'secret' },
      '(trtc 1400000001): "api" must be an object with "secretId", "region", "secretKey"',
    ],
    ['trtc: an array', { ...ENTRIES.trtc, api: [trtc] }, '"api" must be an object'],
    [
      'trtc: no region',
      { ...ENTRIES.trtc, api: { ...trtc, region: undefined } },
      '"api.region" must be a non-empty string',
    ],
    [
      'trtc: an empty secretKey',
      { ...ENTRIES.trtc, api: { ...trtc, secretKey: '' } },
      '"api.secretKey" must be a non-empty string',
    ],
    [
      'trtc: a list of secretKeys',
      { ...ENTRIES.trtc, api: { ...trtc, secretKey: [trtc.secretKey] } },
      '"api.secretKey" must be a non-empty string',
    ],
    [
      'trtc: a misspelt field',
      { ...ENTRIES.trtc, api: { ...trtc, secretkey: 'x' } },
      '"api" has an unexpected field "secretkey"',
    ],
    ['trtc: a non-numeric appId', { ...ENTRIES.trtc, appId: 'trtc-by-name', api: trtc }, '"api" needs a numeric appId'],
    [
      'sparkrtc: no projectId',
      { ...ENTRIES.sparkrtc, api: { ak: sparkrtc.ak, sk: sparkrtc.sk } },
      '"api.projectId" must be a non-empty string',
    ],
    [
      'sparkrtc: a numeric ak',
      { ...ENTRIES.sparkrtc, api: { ...sparkrtc, ak: 42 } },
      '"api.ak" must be a non-empty string',
    ],
    ['livekit: no url', { ...ENTRIES.livekit, api: {} }, '"api.url" must be a non-empty string'],
    [
      'livekit: a wss url',
      { ...ENTRIES.livekit, api: { url: 'wss://my-project.livekit.cloud' } },
      '"api.url" must be an https:// URL',
    ],
    [
      'livekit: plain http to a remote host (the token would travel in clear)',
      { ...ENTRIES.livekit, api: { url: 'http://my-project.livekit.cloud' } },
      '"api.url" must be an https:// URL',
    ],
    [
      'livekit: a host without a scheme',
      { ...ENTRIES.livekit, api: { url: 'my-project.livekit.cloud' } },
      '"api.url" must be an https:// URL',
    ],
    [
      'livekit: a key in api',
      { ...ENTRIES.livekit, api: { url: 'https://x', apiKey: 'k' } },
      '"api" has an unexpected field "apiKey"',
    ],
  ])('refuses %s, naming the entry and never a secret', (_name, entry, message) => {
    const parse = () => parseAppsDocument({ apps: [entry] }, 'doc.json');
    expect(parse).toThrow(AppsConfigError);
    expect(parse).toThrow(message);
    try {
      parse();
    } catch (error) {
      expect((error as Error).message).toMatch(/^Invalid apps document doc\.json: apps\[0\] \(/);
      for (const secret of SECRETS) expect((error as Error).message).not.toContain(secret);
    }
  });
});
