import type { Endpoint } from '../platforms';
import { signSparkRtcBody } from '../providers/huawei-sparkrtc';
import { signGmeBody } from '../providers/tencent-gme';
import { signImRequest } from '../providers/tencent-im';
import { signTrtcBody } from '../providers/tencent-trtc';

/** A callback as sent on the wire: what a capture file holds and what replay posts. */
export interface OutgoingCallback {
  readonly endpoint: Endpoint;
  /** URL query without the leading `?`. */
  readonly query: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as sent; a Buffer when it is not text. */
  readonly body: string | Buffer;
}

export interface SignOptions {
  /** The app id the vendor puts in the URL or headers (Chat `SdkAppid`, TRTC `SdkAppId`). */
  appId: string;
  /** The key to sign with; undefined sends the request unsigned, as the vendor does without a key. */
  key: string | undefined;
  /** Signing time (ms). */
  now: number;
  gmeEncoding?: 'hex' | 'base64';
  /** SparkRTC's X-Rtc-Rand; random when unset. */
  rand?: string;
}

const SIGNATURE_HEADERS = ['sign', 'signature', 'x-rtc-rand', 'x-rtc-timestamp', 'x-rtc-signature'];
const SIGNATURE_QUERY = ['RequestTime', 'Sign'];

/**
 * Signs a callback exactly as its vendor would (PROTOCOLS.md), replacing any signature it carried.
 * Replay uses it to re-sign captures with fresh timestamps; the tests use it so they cannot drift
 * from what ingest verifies.
 */
export function signCallback(callback: OutgoingCallback, options: SignOptions): OutgoingCallback {
  const seconds = String(Math.floor(options.now / 1000));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(callback.headers)) {
    if (!SIGNATURE_HEADERS.includes(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  const query = new URLSearchParams(callback.query);
  for (const name of SIGNATURE_QUERY) query.delete(name);
  const { key } = options;
  switch (callback.endpoint) {
    case 'tencent-im':
      query.set('SdkAppid', options.appId);
      if (key) {
        query.set('RequestTime', seconds);
        query.set('Sign', signImRequest(key, seconds));
      }
      break;
    case 'tencent-trtc':
      headers.sdkappid = options.appId;
      if (key) headers.sign = signTrtcBody(key, callback.body);
      break;
    case 'tencent-gme':
      if (key) headers.signature = signGmeBody(key, callback.body, options.gmeEncoding);
      break;
    case 'huawei-sparkrtc':
      if (key) {
        const rand = options.rand ?? Math.random().toString(16).slice(2, 10);
        headers['x-rtc-rand'] = rand;
        headers['x-rtc-timestamp'] = seconds;
        headers['x-rtc-signature'] = signSparkRtcBody(key, rand, seconds, callback.body);
      }
      break;
  }
  return { ...callback, query: query.toString(), headers };
}
