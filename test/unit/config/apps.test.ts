import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAppsDocument, parseAppsDocumentText } from '../../../lib/config/apps';
import { AppsConfigError } from '../../../lib/errors';

describe('parseAppsDocument', () => {
  it('accepts strings or arrays of keys, and looks apps up by platform and id', () => {
    const apps = parseAppsDocument(
      {
        apps: [
          { platform: 'trtc', appId: '1', imToken: 't', callbackKey: ['a', 'b'] },
          { platform: 'sparkrtc', appId: '1', allowUnsigned: true },
        ],
      },
      'doc',
    );
    expect(apps.find('trtc', '1')?.platform).toBe('trtc');
    expect(apps.find('sparkrtc', '1')).toMatchObject({ allowUnsigned: true });
    expect(apps.find('gme', '1')).toBeUndefined();
    const trtc = apps.find('trtc', '1');
    expect(trtc?.platform === 'trtc' && trtc.callbackKey.reveal()).toEqual(['a', 'b']);
  });

  it.each([
    [{}, 'top level: expected an object with an "apps" array'],
    [{ apps: [{ platform: 'zoom', appId: '1' }] }, 'apps[0]: "platform" must be one of trtc, gme, sparkrtc'],
    [{ apps: [{ platform: 'gme', appId: '' }] }, 'apps[0]: "appId" must be a non-empty string'],
    [{ apps: [{ platform: 'gme', appId: 'a#b', secretKey: 'k' }] }, 'without "#"'],
    [{ apps: [{ platform: 'gme', appId: '9' }] }, 'apps[0] (gme 9): "secretKey" must be a non-empty string'],
    [{ apps: [{ platform: 'trtc', appId: '9', imToken: [] }] }, 'apps[0] (trtc 9): "imToken"'],
    [{ apps: [{ platform: 'sparkrtc', appId: '9', allowUnsigned: 'yes' }] }, '"allowUnsigned" must be true or false'],
    [
      {
        apps: [
          { platform: 'gme', appId: '9', secretKey: 'k' },
          { platform: 'gme', appId: '9', secretKey: 'k' },
        ],
      },
      'apps[1] (gme 9): duplicate platform and appId',
    ],
  ])('names the bad entry: %j', (document, message) => {
    expect(() => parseAppsDocument(document, 'doc.json')).toThrow(AppsConfigError);
    expect(() => parseAppsDocument(document, 'doc.json')).toThrow(message);
  });

  it('reports JSON syntax errors with the source', () => {
    expect(() => parseAppsDocumentText('{', 'x.json')).toThrow(/Invalid apps document x\.json: not valid JSON/);
  });

  it('never prints a key when an app is logged or serialized', () => {
    const apps = parseAppsDocument({ apps: [{ platform: 'gme', appId: '9', secretKey: 'super-secret-value' }] }, 'doc');
    const app = apps.find('gme', '9');
    expect(JSON.stringify(app)).not.toContain('super-secret-value');
    expect(inspect(app, { depth: 5 })).not.toContain('super-secret-value');
  });
});
