import type { IncomingCallback } from '../../lib/http/callback-request';
import { signSparkRtcBody } from '../../lib/providers/huawei-sparkrtc';
import { signGmeBody } from '../../lib/providers/tencent-gme';
import { signImRequest } from '../../lib/providers/tencent-im';
import { signTrtcBody } from '../../lib/providers/tencent-trtc';
import type { Sample } from './samples';

export interface SignOptions {
  /** The key to sign with; omit for an unsigned request. */
  key?: string;
  /** Signing time (ms); defaults to now. */
  now?: number;
  gmeEncoding?: 'hex' | 'base64';
  rand?: string;
}

/**
 * Builds the request a vendor would send for `sample`, signed with the production signing
 * functions so that tests cannot drift from what ingest verifies.
 */
export function signTestRequest(sample: Sample, options: SignOptions = {}): IncomingCallback {
  const now = options.now ?? Date.now();
  const seconds = String(Math.floor(now / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const query = new URLSearchParams(sample.query);
  const { key } = options;
  switch (sample.endpoint) {
    case 'tencent-im':
      query.set('SdkAppid', sample.appId);
      if (key) {
        query.set('RequestTime', seconds);
        query.set('Sign', signImRequest(key, seconds));
      }
      break;
    case 'tencent-trtc':
      headers.sdkappid = sample.appId;
      if (key) headers.sign = signTrtcBody(key, sample.body);
      break;
    case 'tencent-gme':
      if (key) headers.signature = signGmeBody(key, sample.body, options.gmeEncoding);
      break;
    case 'huawei-sparkrtc':
      if (key) {
        const rand = options.rand ?? 'a1b2c3';
        headers['x-rtc-rand'] = rand;
        headers['x-rtc-timestamp'] = seconds;
        headers['x-rtc-signature'] = signSparkRtcBody(key, rand, seconds, sample.body);
      }
      break;
  }
  return {
    endpoint: sample.endpoint,
    body: sample.body,
    isBase64Encoded: false,
    headers,
    rawQueryString: query.toString(),
    receivedAt: now,
  };
}
