import type { IncomingCallback } from '../../lib/http/callback-request';
import type { SigningKey } from '../../lib/providers/provider';
import { signCallback } from '../../lib/replay/sign-callback';
import type { Sample } from './samples';

export interface SignTestOptions {
  /** The key to sign with (LiveKit also needs its `keyId`); omit for an unsigned request. */
  key?: string | SigningKey;
  /** Signing time (ms); defaults to now. */
  now?: number;
  gmeEncoding?: 'hex' | 'base64';
}

/**
 * Builds the request a vendor would send for `sample`, signed by the production signing code
 * (`signCallback`), so that tests cannot drift from what ingest verifies.
 */
export function signTestRequest(sample: Sample, options: SignTestOptions = {}): IncomingCallback {
  const now = options.now ?? Date.now();
  const signed = signCallback(
    {
      endpoint: sample.endpoint,
      query: new URLSearchParams(sample.query).toString(),
      headers: { 'content-type': 'application/json' },
      body: sample.body,
    },
    { appId: sample.appId, key: options.key, now, gmeEncoding: options.gmeEncoding },
  );
  return {
    endpoint: sample.endpoint,
    body: sample.body,
    isBase64Encoded: false,
    headers: signed.headers,
    rawQueryString: signed.query,
    receivedAt: now,
  };
}
