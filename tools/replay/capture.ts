import type { AppConfig, AppDirectory } from '../../lib/config/apps';
import { lowerCaseHeaders, type WireCallback } from '../../lib/http/callback-request';
import { ENDPOINTS, isEndpoint } from '../../lib/platforms';
import { providerFor } from '../../lib/providers/registry';

/**
 * The capture format: one JSON file per callback, as an operator saves it from a log or a proxy.
 *
 * ```json
 * { "endpoint": "tencent-gme", "query": "SdkAppid=1400000001&…", "headers": { "Signature": "…" }, "body": "<raw body>" }
 * ```
 * `body` is the raw body text; a binary body goes in `bodyBase64` instead. API Gateway v2 events
 * (`events/ingest-*.json`) are read too. Anything else is `other` when it is not meant as a callback
 * (an SQS event, an event we publish), `invalid` when it is meant as a capture but broken.
 */
export type ParsedCapture =
  | { kind: 'callback'; callback: WireCallback }
  | { kind: 'other'; reason: string }
  | { kind: 'invalid'; reason: string };

export function parseCapture(document: unknown): ParsedCapture {
  if (typeof document !== 'object' || document === null) return { kind: 'invalid', reason: 'not a JSON object' };
  const record = document as Record<string, unknown>;
  if (record.version === '2.0' && typeof record.rawPath === 'string') return fromApiGatewayEvent(record);
  if (Array.isArray(record.Records)) return { kind: 'other', reason: 'an SQS event (for `process`), not a callback' };
  if ('detail-type' in record && 'source' in record) {
    return { kind: 'other', reason: 'an EventBridge event we publish, not a callback' };
  }
  if (typeof record.endpoint !== 'string' || !isEndpoint(record.endpoint)) {
    return { kind: 'invalid', reason: `no known "endpoint" (${ENDPOINTS.join(', ')})` };
  }
  const body =
    typeof record.bodyBase64 === 'string'
      ? Buffer.from(record.bodyBase64, 'base64').toString('utf8')
      : typeof record.body === 'string'
        ? record.body
        : undefined;
  if (body === undefined) return { kind: 'invalid', reason: 'no "body" or "bodyBase64"' };
  return {
    kind: 'callback',
    callback: {
      endpoint: record.endpoint,
      query: typeof record.query === 'string' ? record.query.replace(/^\?/, '') : '',
      headers: headersOf(record.headers),
      body,
    },
  };
}

function fromApiGatewayEvent(event: Record<string, unknown>): ParsedCapture {
  const endpoint = String(event.rawPath).split('/').pop() ?? '';
  if (!isEndpoint(endpoint)) return { kind: 'other', reason: `${String(event.rawPath)} is not a callback route` };
  const raw = typeof event.body === 'string' ? event.body : '';
  return {
    kind: 'callback',
    callback: {
      endpoint,
      query: typeof event.rawQueryString === 'string' ? event.rawQueryString : '',
      headers: headersOf(event.headers),
      body: event.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString('utf8') : raw,
    },
  };
}

/** A capture's headers, lower-cased; none when it has no headers object. */
function headersOf(headers: unknown): Record<string, string> {
  return typeof headers === 'object' && headers !== null ? lowerCaseHeaders(headers as Record<string, unknown>) : {};
}

/** The configured app a callback claims, found where its vendor puts it (README, "Verification"). */
export function claimedApp(callback: WireCallback, apps: AppDirectory): AppConfig | undefined {
  return providerFor(callback.endpoint).claimedApp(callback, apps) as AppConfig | undefined;
}
