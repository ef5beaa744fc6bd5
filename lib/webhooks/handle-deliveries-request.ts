import type { WebhookEndpoints } from '../config/webhooks';
import { ENDPOINT_ID_PATTERN } from '../config/webhooks';
import { BadQueryError, HttpError } from '../errors';
import { type HttpAnswer, jsonAnswer } from '../http/answer';
import { parseQuery } from '../http/callback-request';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../model/cursor';
import { DELIVERY_STATUSES, type DeliveryQueue, type DeliveryStatus } from './deliver-webhooks';

export const DEFAULT_DELIVERIES_LIMIT = 20;
export const MAX_DELIVERIES_LIMIT = 100;
/** `webhook-id`s are our own 32 hex digits; anything else in a path is not one of ours. */
const WEBHOOK_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const LIST_ROUTE = /^\/webhooks\/deliveries\/?$/;
const RESEND_ROUTE = /^\/webhooks\/deliveries\/([^/]+)\/([^/]+)\/resend$/;

/** A page of the log to read: which index partitions, and where each stands (null: read to its end). */
export interface DeliveryListing {
  readonly endpointIds: readonly string[];
  readonly statuses: readonly DeliveryStatus[];
  readonly limit: number;
  readonly positions: Readonly<Record<string, string | null>>;
}

export interface DeliveryPage {
  readonly deliveries: readonly unknown[];
  /** Where the next page starts, or null when this was the last. */
  readonly nextPositions: Record<string, string | null> | null;
}

/** What the routes read from the delivery log, and the one change a resend makes to it. */
export interface DeliveryLogReader {
  list(listing: DeliveryListing): Promise<DeliveryPage>;
  find(endpointId: string, webhookId: string): Promise<{ body: string } | undefined>;
  /** Marks a message pending again; false when it is not in the log. */
  markResent(endpointId: string, webhookId: string, at: number): Promise<boolean>;
}

export interface DeliveriesRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
}

export interface DeliveriesRouteOptions {
  log: DeliveryLogReader;
  queue: Pick<DeliveryQueue, 'enqueue'>;
  loadEndpoints: () => Promise<WebhookEndpoints>;
  now?: () => number;
}

/**
 * `GET /webhooks/deliveries` and `POST /webhooks/deliveries/{endpointId}/{webhookId}/resend`
 * (README, "Delivery log and resend"). A caller's mistake is a 400/404 `{"message"}` here; anything
 * else is thrown for the function to answer 503 or 500.
 */
export async function handleDeliveriesRequest(
  request: DeliveriesRequest,
  options: DeliveriesRouteOptions,
): Promise<HttpAnswer> {
  try {
    if (request.method === 'GET' && LIST_ROUTE.test(request.rawPath)) return await listDeliveries(request, options);
    const resend = RESEND_ROUTE.exec(request.rawPath);
    if (request.method === 'POST' && resend) {
      return await resendDelivery(decode(resend[1] as string), decode(resend[2] as string), options);
    }
    return jsonAnswer(404, { message: 'Not Found' });
  } catch (error) {
    if (error instanceof HttpError) return jsonAnswer(error.status, { message: error.message });
    throw error;
  }
}

async function listDeliveries(request: DeliveriesRequest, options: DeliveriesRouteOptions): Promise<HttpAnswer> {
  const query = parseQuery(request.rawQueryString);
  for (const name of Object.keys(query)) {
    if (!['endpoint', 'status', 'limit', 'cursor'].includes(name)) {
      throw new BadQueryError('allowed query parameters are endpoint, status, limit and cursor');
    }
  }
  const endpoint = query.endpoint;
  if (endpoint !== undefined && !ENDPOINT_ID_PATTERN.test(endpoint)) {
    throw new BadQueryError('endpoint must be an endpoint id ([a-z0-9-]{1,64})');
  }
  const status = query.status;
  if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) {
    throw new BadQueryError(`status must be one of ${DELIVERY_STATUSES.join(', ')}`);
  }
  const limit = readLimit(query.limit);
  const endpointIds =
    endpoint !== undefined
      ? [endpoint]
      : (await options.loadEndpoints())
          .list()
          .map((configured) => configured.id)
          .sort();
  const statuses = status !== undefined ? [status as DeliveryStatus] : [...DELIVERY_STATUSES];
  // The cursor is bound to its listing, so it cannot be replayed against another filter.
  const scope = `webhooks|${endpoint ?? '*'}|${status ?? '*'}`;
  const positions = query.cursor === undefined ? {} : readPositions(decodeCursor(scope, query.cursor));
  const page = await options.log.list({ endpointIds, statuses, limit, positions });
  return jsonAnswer(200, {
    deliveries: page.deliveries,
    nextCursor: page.nextPositions === null ? null : encodeCursor(scope, JSON.stringify(page.nextPositions)),
  });
}

async function resendDelivery(
  endpointId: string,
  webhookId: string,
  options: DeliveriesRouteOptions,
): Promise<HttpAnswer> {
  if (!ENDPOINT_ID_PATTERN.test(endpointId) || !WEBHOOK_ID_PATTERN.test(webhookId)) {
    return jsonAnswer(404, { message: 'no such delivery' });
  }
  const entry = await options.log.find(endpointId, webhookId);
  if (entry === undefined) return jsonAnswer(404, { message: 'no such delivery' });
  if ((await options.loadEndpoints()).find(endpointId) === undefined) {
    return jsonAnswer(409, { message: 'the endpoint is no longer configured' });
  }
  // Queued before it is answered: a 202 means the attempt will be made.
  await options.queue.enqueue([{ endpointId, webhookId, body: entry.body, resend: true }]);
  await options.log.markResent(endpointId, webhookId, (options.now ?? Date.now)());
  return jsonAnswer(202, { endpointId, webhookId, status: 'pending' });
}

function readLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_DELIVERIES_LIMIT;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_DELIVERIES_LIMIT) {
    throw new BadQueryError(`limit must be a whole number from 1 to ${MAX_DELIVERIES_LIMIT}`);
  }
  return limit;
}

function readPositions(text: string): Record<string, string | null> {
  let positions: unknown;
  try {
    positions = JSON.parse(text);
  } catch {
    throw new InvalidCursorError();
  }
  if (typeof positions !== 'object' || positions === null || Array.isArray(positions)) throw new InvalidCursorError();
  for (const value of Object.values(positions)) {
    if (value !== null && typeof value !== 'string') throw new InvalidCursorError();
  }
  return positions as Record<string, string | null>;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
