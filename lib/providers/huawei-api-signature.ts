import { createHash, createHmac } from 'node:crypto';

/**
 * Huawei Cloud AK/SK request signing, SDK-HMAC-SHA256 (the vendor's "API Request Signing Guide"),
 * for SparkRTC's API: the job queries of reconciliation and the record-callback registration.
 * Twenty lines of node:crypto rather than `AKSKSigner` from `@huaweicloud/huaweicloud-sdk-core`:
 * that one pulls lodash and moment (≈ 140 KB) into every bundle that holds the SparkRTC provider,
 * ingest's included. Proven equal to it in test/unit/providers/huawei-api-signature.test.ts.
 */
export interface HuaweiSigningInput {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Without a query string: none of our calls has one. */
  readonly url: URL;
  /** Headers to send and sign (`Content-Type`, `X-Project-Id`); the signer adds `Host` and `X-Sdk-Date`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact body sent; empty for none. */
  readonly body: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Signing time (ms). */
  readonly now: number;
}

const ALGORITHM = 'SDK-HMAC-SHA256';
const sha256Hex = (data: string) => createHash('sha256').update(data).digest('hex');

/** RFC 3986 percent-encoding, as the signing guide asks of each path segment: only unreserved characters stay. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The headers to send: `headers`, `X-Sdk-Date` and `Authorization`. `Host` is signed (host and port,
 * as in the URL) but not returned: fetch sets it from the URL, to the same value.
 */
export function signHuaweiApiRequest(input: HuaweiSigningInput): Record<string, string> {
  if (input.url.search !== '') throw new Error('signHuaweiApiRequest signs requests without a query string');
  // ISO 8601 basic format, UTC: 20231114T221320Z.
  const sdkDate = new Date(input.now).toISOString().replace(/[-:]|\.\d{3}/g, '');
  const headers = Object.entries({ ...input.headers, 'X-Sdk-Date': sdkDate, host: input.url.host })
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalHeaders = headers.map(([name, value]) => `${name}:${value}\n`).join('');
  const signedHeaders = headers.map(([name]) => name).join(';');
  // Each segment of the path as sent, encoded; the canonical URI always ends in "/".
  const path = input.url.pathname.split('/').map(encodeSegment).join('/');
  const canonicalUri = path.endsWith('/') ? path : `${path}/`;
  const canonicalRequest = [
    input.method,
    canonicalUri,
    '', // the canonical query string
    canonicalHeaders,
    signedHeaders,
    sha256Hex(input.body),
  ].join('\n');
  const stringToSign = `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', input.secretKey).update(stringToSign).digest('hex');
  return {
    ...input.headers,
    'X-Sdk-Date': sdkDate,
    Authorization: `${ALGORITHM} Access=${input.accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
