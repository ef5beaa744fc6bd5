import { describe, expect, it } from 'vitest';
import { WEBHOOK_TEST_SECRETS } from '../../../fixtures/test-secrets';
import { type DeliveryItem, toDeliveryView } from '../../../lib/adapters/webhook-delivery-layout';
import { parseWebhooksDocument } from '../../../lib/config/webhooks';
import {
  type DeliveriesRouteOptions,
  type DeliveryListing,
  handleDeliveriesRequest,
} from '../../../lib/webhooks/handle-deliveries-request';
import type { DeliveryMessage } from '../../../lib/webhooks/webhook-message';

const { current, previous } = WEBHOOK_TEST_SECRETS;
const URL_WITH_TOKEN = 'https://hooks.example.com/recordings?token=url-token-0001';
const endpoints = parseWebhooksDocument(
  {
    endpoints: [
      { id: 'backend', url: URL_WITH_TOKEN, secrets: [current, previous] },
      { id: 'audit', url: 'https://audit.example.com/in', secrets: [current] },
    ],
  },
  'test',
);
const WEBHOOK_ID = 'a'.repeat(32);
const body = JSON.stringify({ type: 'recording.status_changed', timestamp: '2026-12-01T10:00:00.000Z', data: {} });

function item(endpointId: string, webhookId: string, status: DeliveryItem['status']): DeliveryItem {
  return {
    pk: `WEBHOOK#${endpointId}`,
    sk: `DELIVERY#${webhookId}`,
    timeKey: `WEBHOOK#${endpointId}#${status}`,
    timeSort: `000001764583200000#${webhookId}`,
    endpointId,
    webhookId,
    type: 'recording.status_changed',
    recording: { platform: 'trtc', appId: '1400000001', taskId: 'task-1' },
    status,
    body,
    attempts: [{ at: '2026-12-01T10:00:01.000Z', statusCode: 500, error: 'HTTP 500', ms: 12 }],
    nextAttemptAt: status === 'pending' ? Date.parse('2026-12-01T10:00:06.000Z') : null,
    queuedAt: Date.parse('2026-12-01T10:00:00.000Z'),
    expiresAt: 1_767_175_200,
  };
}

/** The routes' collaborators in memory: a log holding `items`, a queue that records what it was given. */
function fakes(items: DeliveryItem[], options: { nextPositions?: Record<string, string | null> | null } = {}) {
  const listings: DeliveryListing[] = [];
  const queued: DeliveryMessage[] = [];
  const resent: string[] = [];
  const routeOptions: DeliveriesRouteOptions = {
    log: {
      async list(listing) {
        listings.push(listing);
        return {
          deliveries: items
            .filter(
              (entry) => listing.endpointIds.includes(entry.endpointId) && listing.statuses.includes(entry.status),
            )
            .map(toDeliveryView),
          nextPositions: options.nextPositions ?? null,
        };
      },
      async find(endpointId, webhookId) {
        return items.find((entry) => entry.endpointId === endpointId && entry.webhookId === webhookId);
      },
      async markResent(endpointId, webhookId) {
        resent.push(`${endpointId}/${webhookId}`);
        return items.some((entry) => entry.endpointId === endpointId && entry.webhookId === webhookId);
      },
    },
    queue: {
      async enqueue(messages) {
        queued.push(...messages);
      },
    },
    loadEndpoints: async () => endpoints,
    now: () => Date.parse('2026-12-01T11:00:00.000Z'),
  };
  return { routeOptions, listings, queued, resent };
}

const get = (query: string, options: DeliveriesRouteOptions) =>
  handleDeliveriesRequest({ method: 'GET', rawPath: '/webhooks/deliveries', rawQueryString: query }, options);
const resend = (endpointId: string, webhookId: string, options: DeliveriesRouteOptions) =>
  handleDeliveriesRequest(
    { method: 'POST', rawPath: `/webhooks/deliveries/${endpointId}/${webhookId}/resend`, rawQueryString: '' },
    options,
  );

/** No configured secret (nor its base64 body) and no URL, in any part of an answer. */
function expectNothingSecret(answerBody: string) {
  for (const secret of [current, previous]) {
    expect(answerBody).not.toContain(secret);
    expect(answerBody).not.toContain(secret.slice('whsec_'.length));
  }
  expect(answerBody).not.toContain('url-token-0001');
  expect(answerBody).not.toMatch(/https?:\/\//);
}

describe('GET /webhooks/deliveries', () => {
  it('answers exactly {"deliveries":[{endpointId,webhookId,type,recording,status,attempts,nextAttemptAt}],"nextCursor"}', async () => {
    const { routeOptions } = fakes([item('backend', WEBHOOK_ID, 'pending')]);
    const answer = await get('', routeOptions);
    expect(answer.statusCode).toBe(200);
    const parsed = JSON.parse(answer.body);
    expect(Object.keys(parsed).sort()).toEqual(['deliveries', 'nextCursor']);
    expect(parsed).toEqual({
      deliveries: [
        {
          endpointId: 'backend',
          webhookId: WEBHOOK_ID,
          type: 'recording.status_changed',
          recording: { platform: 'trtc', appId: '1400000001', taskId: 'task-1' },
          status: 'pending',
          attempts: [{ at: '2026-12-01T10:00:01.000Z', statusCode: 500, error: 'HTTP 500', ms: 12 }],
          nextAttemptAt: '2026-12-01T10:00:06.000Z',
        },
      ],
      nextCursor: null,
    });
    // Neither the stored body nor the log's keys leak into the answer.
    expect(answer.body).not.toContain('DELIVERY#');
    expect(answer.body).not.toContain('"body"');
    expectNothingSecret(answer.body);
  });

  it('spans the configured endpoints and every status when unfiltered, 20 at a time', async () => {
    const { routeOptions, listings } = fakes([]);
    await get('', routeOptions);
    expect(listings).toEqual([
      { endpointIds: ['audit', 'backend'], statuses: ['succeeded', 'pending', 'failed'], limit: 20, positions: {} },
    ]);
  });

  it('reads one endpoint and one status when asked, a removed endpoint included', async () => {
    const { routeOptions, listings } = fakes([item('gone-endpoint', WEBHOOK_ID, 'failed')]);
    const answer = await get('endpoint=gone-endpoint&status=failed&limit=100', routeOptions);
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body).deliveries).toHaveLength(1);
    expect(listings[0]).toEqual({ endpointIds: ['gone-endpoint'], statuses: ['failed'], limit: 100, positions: {} });
  });

  it('gives a cursor that continues the same listing, and refuses it on another', async () => {
    const positions = { 'WEBHOOK#backend#failed': '000001764583200000#x', 'WEBHOOK#backend#pending': null };
    const { routeOptions, listings } = fakes([], { nextPositions: positions });
    const first = JSON.parse((await get('endpoint=backend&limit=1', routeOptions)).body);
    expect(typeof first.nextCursor).toBe('string');
    const next = await get(`endpoint=backend&limit=1&cursor=${first.nextCursor}`, routeOptions);
    expect(next.statusCode).toBe(200);
    expect(listings[1]?.positions).toEqual(positions);

    const elsewhere = await get(`endpoint=audit&limit=1&cursor=${first.nextCursor}`, routeOptions);
    expect(elsewhere.statusCode).toBe(400);
    expect(JSON.parse(elsewhere.body).message).toMatch(/^cursor is invalid/);
    const otherStatus = await get(`endpoint=backend&status=failed&cursor=${first.nextCursor}`, routeOptions);
    expect(otherStatus.statusCode).toBe(400);
  });

  it.each([
    ['limit=0', 'limit must be a whole number from 1 to 100'],
    ['limit=101', 'limit must be a whole number from 1 to 100'],
    ['limit=1.5', 'limit must be a whole number from 1 to 100'],
    ['limit=abc', 'limit must be a whole number from 1 to 100'],
    ['limit=', 'limit must be a whole number from 1 to 100'],
    ['status=dead', 'status must be one of succeeded, pending, failed'],
    ['status=', 'status must be one of succeeded, pending, failed'],
    ['endpoint=Backend', 'endpoint must be an endpoint id ([a-z0-9-]{1,64})'],
    [`endpoint=${'a'.repeat(65)}`, 'endpoint must be an endpoint id ([a-z0-9-]{1,64})'],
    ['endpoint=a%2Fb', 'endpoint must be an endpoint id ([a-z0-9-]{1,64})'],
    ['cursor=not-a-cursor', 'cursor is invalid: it was altered, or it belongs to another recording or listing'],
    [
      'cursor=bm90IGpzb24.AAAAAAAAAAAAAAAA',
      'cursor is invalid: it was altered, or it belongs to another recording or listing',
    ],
    ['sort=asc', 'allowed query parameters are endpoint, status, limit and cursor'],
    ['status=failed&status=pending', 'query parameter status is repeated'],
  ])('answers 400 to %s with a message saying what is allowed', async (query, message) => {
    const { routeOptions, listings } = fakes([item('backend', WEBHOOK_ID, 'failed')]);
    const answer = await get(query, routeOptions);
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ message });
    expect(listings).toEqual([]);
    expectNothingSecret(answer.body);
  });

  it('refuses a cursor that was issued for the listing but whose positions were forged', async () => {
    const { encodeCursor } = await import('../../../lib/model/cursor');
    const { routeOptions } = fakes([]);
    for (const position of ['[1]', '{"a":1}', 'not json', 'null']) {
      const cursor = encodeCursor('webhooks|*|*', position);
      const answer = await get(`cursor=${cursor}`, routeOptions);
      expect(answer.statusCode, position).toBe(400);
      expect(JSON.parse(answer.body).message).toMatch(/^cursor is invalid/);
    }
  });

  it('answers 404 to another method or path', async () => {
    const { routeOptions } = fakes([]);
    for (const [method, rawPath] of [
      ['POST', '/webhooks/deliveries'],
      ['GET', '/webhooks/deliveries/backend/x/resend'],
      ['DELETE', '/webhooks/deliveries'],
      ['GET', '/webhooks/other'],
    ] as const) {
      const answer = await handleDeliveriesRequest({ method, rawPath, rawQueryString: '' }, routeOptions);
      expect(answer, `${method} ${rawPath}`).toEqual({ statusCode: 404, body: '{"message":"Not Found"}' });
    }
  });
});

describe('POST /webhooks/deliveries/{endpointId}/{webhookId}/resend', () => {
  it('answers 202 {"endpointId","webhookId","status":"pending"}, queues the same body and webhook-id, marks it pending', async () => {
    const { routeOptions, queued, resent } = fakes([item('backend', WEBHOOK_ID, 'failed')]);
    const answer = await resend('backend', WEBHOOK_ID, routeOptions);
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ endpointId: 'backend', webhookId: WEBHOOK_ID, status: 'pending' });
    expect(Object.keys(JSON.parse(answer.body))).toEqual(['endpointId', 'webhookId', 'status']);
    expect(queued).toEqual([{ endpointId: 'backend', webhookId: WEBHOOK_ID, body, resend: true }]);
    expect(resent).toEqual([`backend/${WEBHOOK_ID}`]);
    expectNothingSecret(answer.body);
  });

  it('resends whatever the status: succeeded and pending too', async () => {
    const { routeOptions, queued } = fakes([
      item('backend', WEBHOOK_ID, 'succeeded'),
      item('audit', WEBHOOK_ID, 'pending'),
    ]);
    expect((await resend('backend', WEBHOOK_ID, routeOptions)).statusCode).toBe(202);
    expect((await resend('audit', WEBHOOK_ID, routeOptions)).statusCode).toBe(202);
    expect(queued.map((message) => message.endpointId)).toEqual(['backend', 'audit']);
  });

  it('answers 404 to an unknown delivery, an unknown endpoint or an id that is none of ours, and queues nothing', async () => {
    const { routeOptions, queued, resent } = fakes([item('backend', WEBHOOK_ID, 'failed')]);
    for (const [endpointId, webhookId] of [
      ['backend', 'b'.repeat(32)],
      ['audit', WEBHOOK_ID],
      ['no-such-endpoint', WEBHOOK_ID],
      ['Backend', WEBHOOK_ID],
      ['backend', 'x'.repeat(129)],
      ['backend', 'a%20b'],
    ]) {
      const answer = await resend(endpointId as string, webhookId as string, routeOptions);
      expect(answer, `${endpointId}/${webhookId}`).toEqual({
        statusCode: 404,
        body: '{"message":"no such delivery"}',
      });
    }
    expect(queued).toEqual([]);
    expect(resent).toEqual([]);
  });

  it('answers 409 when the delivery is logged but its endpoint is no longer configured, and queues nothing', async () => {
    const { routeOptions, queued, resent } = fakes([item('removed', WEBHOOK_ID, 'failed')]);
    const answer = await resend('removed', WEBHOOK_ID, routeOptions);
    expect(answer).toEqual({ statusCode: 409, body: '{"message":"the endpoint is no longer configured"}' });
    expect(queued).toEqual([]);
    expect(resent).toEqual([]);
  });

  it('decodes percent-escaped path segments once', async () => {
    const { routeOptions, queued } = fakes([item('backend', WEBHOOK_ID, 'failed')]);
    const answer = await resend('back%65nd', WEBHOOK_ID, routeOptions);
    expect(answer.statusCode).toBe(202);
    expect(queued[0]?.endpointId).toBe('backend');
  });

  it('lets a queue failure through for the function to answer 503, having marked nothing', async () => {
    const { routeOptions, resent } = fakes([item('backend', WEBHOOK_ID, 'failed')]);
    const failing: DeliveriesRouteOptions = {
      ...routeOptions,
      queue: {
        enqueue: async () => {
          throw Object.assign(new Error('queue down'), { name: 'AwsRequestError' });
        },
      },
    };
    await expect(resend('backend', WEBHOOK_ID, failing)).rejects.toThrow('queue down');
    expect(resent).toEqual([]);
  });
});
