import type { TrtcApp } from '../config/apps';
import { AppNotAllowedError } from '../errors';
import { readInteger } from '../json';
import { type Interpretation, unmodelled } from '../model/events';
import { codeMessageAnswer, type Provider } from './provider';
import { normalizeTrtcRecordingEvent, TRTC_CLOUD_RECORDING_GROUP } from './trtc-recording-event';
import { assertAnyKeyMatches, decodeBase64Digest, hmac, requireHeader } from './verification';

/** TRTC's callback signature: base64 HMAC-SHA256 of the raw body bytes (PROTOCOLS.md §2). */
export function signTrtcBody(key: string, body: Buffer | string): string {
  return hmac('sha256', key, body).toString('base64');
}

export function createTencentTrtcProvider(): Provider {
  return {
    endpoint: 'tencent-trtc',
    platform: 'trtc',
    forwardedHeaders: ['content-type', 'sdkappid', 'sign'],

    authenticate(request, { apps }): TrtcApp {
      const appId = request.headers.sdkappid;
      if (!appId) throw new AppNotAllowedError('unknown_app', 'SdkAppId header is missing');
      const urlAppId = request.query.SdkAppid;
      if (urlAppId && urlAppId !== appId) {
        throw new AppNotAllowedError('app_mismatch', 'SdkAppId header does not match the URL');
      }
      const app = apps.find('trtc', appId);
      if (!app) throw new AppNotAllowedError('unknown_app', 'SdkAppId is not a configured trtc app');
      if (app.callbackKey.size === 0) {
        throw new AppNotAllowedError('app_not_configured', 'this app has no callbackKey configured');
      }
      const sign = requireHeader(request.headers, 'sign');
      assertAnyKeyMatches(app.callbackKey, decodeBase64Digest(sign, 32), (key) => hmac('sha256', key, request.body));
      return app;
    },

    interpret({ appId, body }): Interpretation {
      const group = readInteger(body, 'EventGroupId');
      // Room and media groups, and web-page recording (8) whose payloads we do not model.
      if (group !== TRTC_CLOUD_RECORDING_GROUP) return unmodelled(`EventGroupId ${group ?? 'missing'}`);
      return { kind: 'event', event: normalizeTrtcRecordingEvent(body, appId) };
    },

    answer: codeMessageAnswer,
  };
}
