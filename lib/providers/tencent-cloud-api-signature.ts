import { createHash, createHmac } from 'node:crypto';

/**
 * Tencent Cloud API 3.0 request signing, TC3-HMAC-SHA256 (PROTOCOLS.md §8.1, the vendor's
 * "Signature v3"), for the TRTC `DescribeCloudRecording` query of reconciliation (README, "Lost callbacks").
 * Twenty lines of node:crypto instead of the vendor SDK's common package, and proven against the
 * vendor's own vector (test/unit/providers/tencent-cloud-api-signature.test.ts).
 */
export interface Tc3SigningInput {
  readonly secretId: string;
  readonly secretKey: string;
  /** The API's service name: `trtc`. */
  readonly service: string;
  /** Unix seconds; the credential scope uses its UTC date. */
  readonly timestamp: number;
  /** The raw body bytes, exactly as sent. */
  readonly body: string | Uint8Array;
  /** Header name → value of every header to sign (the SDK signs `content-type` and `host`). */
  readonly signedHeaders: Readonly<Record<string, string>>;
}

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmacOf = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** The `Authorization` header value for a POST to `/` with an empty query string. */
export function tc3Authorization(input: Tc3SigningInput): string {
  const headers = Object.entries(input.signedHeaders)
    .map(([name, value]) => [name.trim().toLowerCase(), value.trim().toLowerCase()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalHeaders = headers.map(([name, value]) => `${name}:${value}\n`).join('');
  const signedHeaders = headers.map(([name]) => name).join(';');
  const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256Hex(input.body)}`;
  const date = new Date(input.timestamp * 1000).toISOString().slice(0, 10);
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${input.timestamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const signingKey = hmacOf(hmacOf(hmacOf(`TC3${input.secretKey}`, date), input.service), 'tc3_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return `TC3-HMAC-SHA256 Credential=${input.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}
