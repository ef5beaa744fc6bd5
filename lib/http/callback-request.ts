import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BadRequestError } from '../errors';
import type { Endpoint } from '../platforms';

/** A callback as it reached us, before anything trusts it. Header names are lower-case. */
export interface CallbackRequest {
  readonly endpoint: Endpoint;
  /** The exact bytes the vendor signed. */
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** The first value of each URL query parameter, decoded. */
  readonly query: Readonly<Record<string, string>>;
  /** When we received it (ms since the epoch): the `now` that freshness checks use. */
  readonly receivedAt: number;
}

/** The HTTP framing of a callback, as API Gateway (or the local server) hands it over. */
export interface IncomingCallback {
  readonly endpoint: string;
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawQueryString: string;
  readonly receivedAt: number;
}

/** The callback an API Gateway (payload 2.0) event carries, received now: its endpoint is the last path segment. */
export function incomingCallbackOf(event: APIGatewayProxyEventV2, receivedAt = Date.now()): IncomingCallback {
  return {
    endpoint: event.rawPath.split('/').pop() ?? '',
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    headers: event.headers ?? {},
    rawQueryString: event.rawQueryString ?? '',
    receivedAt,
  };
}

/**
 * A callback on the wire, as a capture file holds it, replay posts it and a provider signs it or
 * finds its claimed app. Header names are lower-case (`lowerCaseHeaders`).
 */
export interface WireCallback {
  readonly endpoint: Endpoint;
  /** URL query without the leading `?`. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as sent; a Buffer when it is not text. */
  readonly body: string | Buffer;
}

/**
 * The one header-name lower-caser (ingest, captures, signing, the local server): names lower-case,
 * values that are not strings dropped.
 */
export function lowerCaseHeaders(headers: Readonly<Record<string, unknown>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    const key = name.toLowerCase();
    // Repeated headers are joined like API Gateway does, so a forged duplicate never verifies.
    result[key] = key in result ? `${result[key]},${value}` : value;
  }
  return result;
}

export function parseQuery(rawQueryString: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    // Which of two values counts is ambiguous (API Gateway joins them with commas): refuse, naming it when it is a plain name.
    if (Object.hasOwn(query, name)) {
      throw new BadRequestError(
        /^[A-Za-z0-9_.-]{1,40}$/.test(name) ? `query parameter ${name} is repeated` : 'a query parameter is repeated',
      );
    }
    query[name] = value;
  }
  return query;
}
