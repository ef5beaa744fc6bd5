import { DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WEBHOOK_TEST_SECRETS } from '../../fixtures/test-secrets';
import type { DeliveryStatus } from '../../lib/webhooks/deliver-webhooks';
import { MAX_ATTEMPTS } from '../../lib/webhooks/retry-schedule';
import { webhookMessageOf } from '../../lib/webhooks/webhook-message';
import { localClientConfig } from '../../local/emulators';
import { startWebhookReceiver } from '../helpers/webhook-receiver';
import { uniqueId } from './local-stack';
import { eventually, newWebhookId, useWebhookRig } from './webhook-rig';

const SECRETS = [WEBHOOK_TEST_SECRETS.current, WEBHOOK_TEST_SECRETS.previous];
const DAY_S = 86_400;
/** Every scheduled delay becomes 1 s (the delays are rounded up to whole seconds for SQS). */
const TINY_SCALE = 0.0001;
type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

const rig = useWebhookRig();
const receivers: Receiver[] = [];
const receiver = async (answer: Parameters<typeof startWebhookReceiver>[0]['answer']) => {
  const started = await startWebhookReceiver({ secrets: SECRETS, answer });
  receivers.push(started);
  return started;
};
const endpointId = (name: string) => uniqueId(name).toLowerCase();

beforeEach(() => rig.purge());
afterEach(async () => {
  await rig.stop();
  await Promise.all(receivers.splice(0).map((started) => started.stop()));
});
afterAll(() => rig.documentClient.destroy());

describe('the delivery log on DynamoDB Local', () => {
  it('records every attempt of a message, its outcome, and an expiry 30 days after the last write', async () => {
    const flaky = await receiver((attempt) => ({ status: attempt <= 2 ? 500 : 204 }));
    const id = endpointId('flaky');
    rig.configure([{ id, url: flaky.url }]);
    rig.start({ retryScale: TINY_SCALE });
    const webhookId = await rig.publish();

    const item = await eventually('three attempts, the last a success', async () => {
      const found = await rig.log.find(id, webhookId);
      return found?.status === 'succeeded' ? found : undefined;
    });
    expect(flaky.received.map((request) => request.answered)).toEqual([500, 500, 204]);
    expect(item.attempts.map(({ statusCode, error }) => ({ statusCode, error }))).toEqual([
      { statusCode: 500, error: 'HTTP 500' },
      { statusCode: 500, error: 'HTTP 500' },
      { statusCode: 204, error: null },
    ]);
    // Each attempt as the receiver saw it: started before it arrived, in order, timed.
    item.attempts.forEach((attempt, index) => {
      expect(Date.parse(attempt.at)).toBeLessThanOrEqual(flaky.received[index]?.at ?? 0);
      expect(attempt.ms).toBeGreaterThanOrEqual(0);
    });
    expect(item.nextAttemptAt).toBeNull();
    expect(item.body).toBe(flaky.received[0]?.body);
    // TTL: 30 days after the last write, on the attribute the table's TTL reads.
    const lastWrite = Date.parse(item.attempts[2]?.at ?? '');
    expect(item.expiresAt).toBeGreaterThanOrEqual(Math.floor(lastWrite / 1000) + 30 * DAY_S - 5);
    expect(item.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 30 * DAY_S + 1);
    const dynamodb = new DynamoDBClient(localClientConfig(rig.stack.dynamodbEndpoint));
    const { TimeToLiveDescription } = await dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: rig.stack.tableName }),
    );
    dynamodb.destroy();
    expect(TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  describe('GET /webhooks/deliveries', () => {
    const a = endpointId('log-a');
    const b = endpointId('log-b');
    const removed = endpointId('log-removed');
    const base = Date.now() - 60_000;
    /** [endpoint, queued at (ms after base), final status] of each logged message. */
    const plan: [string, number, DeliveryStatus][] = [
      [a, 1, 'succeeded'],
      [b, 2, 'failed'],
      [a, 3, 'pending'],
      [a, 4, 'failed'],
      [b, 5, 'succeeded'],
      [a, 6, 'succeeded'],
      [b, 7, 'pending'],
      [a, 8, 'failed'],
      [b, 9, 'succeeded'],
      [a, 10, 'succeeded'],
      [b, 11, 'succeeded'],
      [removed, 12, 'failed'],
      [a, 13, 'pending'],
    ];
    const logged: { endpointId: string; webhookId: string; queuedAt: number; status: DeliveryStatus }[] = [];

    beforeEach(async () => {
      rig.configure([
        { id: a, url: 'https://a.example.com/hooks' },
        { id: b, url: 'https://b.example.com/hooks?token=url-token-0002' },
      ]);
      // Logged once for the four tests below (the last one resends one of them).
      if (logged.length > 0) return;
      for (const [endpoint, offset, status] of plan) {
        const webhookId = newWebhookId();
        const at = base + offset * 1000;
        const message = webhookMessageOf({
          'detail-type': 'Recording Status Changed',
          time: new Date(at).toISOString(),
          detail: { id: webhookId, platform: 'trtc', appId: '1400000001', taskId: `t-${offset}` } as never,
        });
        if (message === null) throw new Error('no message');
        await rig.log.recordQueued({ endpointId: endpoint, message, at });
        if (status !== 'pending' || offset === 3) {
          // Pending after a failed attempt (offset 3), or with the attempt that settled it.
          await rig.log.recordAttempt({
            endpointId: endpoint,
            webhookId,
            attempt: {
              at: new Date(at + 100).toISOString(),
              statusCode: status === 'succeeded' ? 200 : 500,
              error: status === 'succeeded' ? null : 'HTTP 500',
              ms: 3,
            },
            status,
            nextAttemptAt: status === 'pending' ? at + 5_000 : null,
            at: at + 100,
          });
        }
        logged.push({ endpointId: endpoint, webhookId, queuedAt: at, status });
      }
    });

    const newestFirst = (entries: typeof logged) =>
      [...entries].sort((x, y) => y.queuedAt - x.queuedAt).map(({ endpointId: e, webhookId }) => `${e}/${webhookId}`);
    const keys = (deliveries: { endpointId: string; webhookId: string }[]) =>
      deliveries.map(({ endpointId: e, webhookId }) => `${e}/${webhookId}`);

    /** Every page of a listing, following nextCursor, with the DynamoDB commands it took. */
    async function allPages(query: string) {
      const before = { ...rig.requests.byCommand };
      const pages: { endpointId: string; webhookId: string; status: string }[][] = [];
      let cursor: string | null = null;
      do {
        const separator = query === '' ? '' : '&';
        const answer = await rig.route(
          'GET',
          `/webhooks/deliveries?${query}${cursor === null ? '' : `${separator}cursor=${cursor}`}`,
        );
        expect(answer.statusCode, answer.text).toBe(200);
        pages.push(answer.body.deliveries);
        cursor = answer.body.nextCursor;
        expect(pages.length).toBeLessThan(50);
      } while (cursor !== null);
      const commands = Object.fromEntries(
        Object.entries(rig.requests.byCommand)
          .map(([name, count]) => [name, count - (before[name] ?? 0)])
          .filter(([, count]) => (count as number) > 0),
      );
      return { pages, all: pages.flat(), commands };
    }

    it('lists the configured endpoints newest first, every delivery exactly once across pages, by Query only', async () => {
      const { pages, all, commands } = await allPages('limit=2');
      const expected = newestFirst(logged.filter((entry) => entry.endpointId !== removed));
      expect(keys(all)).toEqual(expected);
      expect(new Set(keys(all)).size).toBe(all.length);
      expect(pages.every((page) => page.length <= 2)).toBe(true);
      expect(commands.ScanCommand).toBeUndefined();
      expect(commands.QueryCommand).toBeGreaterThan(0);
      expect(Object.keys(commands).sort()).toEqual(['BatchGetItemCommand', 'QueryCommand']);
    });

    it('filters by endpoint, by status, and by both, each newest first and paged exactly once', async () => {
      for (const [query, filter] of [
        [`endpoint=${a}`, (entry: (typeof logged)[number]) => entry.endpointId === a],
        [`endpoint=${b}&limit=1`, (entry: (typeof logged)[number]) => entry.endpointId === b],
        [
          'status=failed&limit=1',
          (entry: (typeof logged)[number]) => entry.status === 'failed' && entry.endpointId !== removed,
        ],
        ['status=pending', (entry: (typeof logged)[number]) => entry.status === 'pending'],
        [
          `endpoint=${a}&status=succeeded&limit=2`,
          (entry: (typeof logged)[number]) => entry.endpointId === a && entry.status === 'succeeded',
        ],
        [`endpoint=${removed}`, (entry: (typeof logged)[number]) => entry.endpointId === removed],
      ] as const) {
        const { all, commands } = await allPages(query);
        expect(keys(all), query).toEqual(newestFirst(logged.filter(filter)));
        expect(commands.ScanCommand, query).toBeUndefined();
        for (const delivery of all as unknown as { status: string }[]) {
          if (query.includes('status=')) expect(query).toContain(`status=${delivery.status}`);
        }
      }
    });

    it('answers each delivery in the contract shape, with no secret, URL or body', async () => {
      const answer = await rig.route('GET', `/webhooks/deliveries?endpoint=${a}&limit=100`);
      expect(Object.keys(answer.body).sort()).toEqual(['deliveries', 'nextCursor']);
      expect(answer.body.nextCursor).toBeNull();
      for (const delivery of answer.body.deliveries) {
        expect(Object.keys(delivery).sort()).toEqual(
          ['attempts', 'endpointId', 'nextAttemptAt', 'recording', 'status', 'type', 'webhookId'].sort(),
        );
        expect(Object.keys(delivery.recording).sort()).toEqual(['appId', 'platform', 'taskId']);
        for (const attempt of delivery.attempts)
          expect(Object.keys(attempt).sort()).toEqual(['at', 'error', 'ms', 'statusCode']);
        expect(delivery.nextAttemptAt === null || !Number.isNaN(Date.parse(delivery.nextAttemptAt))).toBe(true);
      }
      const all = (await rig.route('GET', '/webhooks/deliveries?limit=100')).text;
      for (const secret of SECRETS) {
        expect(all).not.toContain(secret);
        expect(all).not.toContain(secret.slice('whsec_'.length));
      }
      expect(all).not.toMatch(/https?:\/\/|url-token|"body"|"data"/);
    });

    it('a resend is queued with the same body and webhook-id, and lists the message as pending; 409 for a removed endpoint', async () => {
      const failed = logged.find((entry) => entry.endpointId === a && entry.status === 'failed');
      if (failed === undefined) throw new Error('no failed delivery');
      const stored = await rig.log.find(a, failed.webhookId);
      const answer = await rig.route('POST', `/webhooks/deliveries/${a}/${failed.webhookId}/resend`);
      expect(answer).toMatchObject({
        statusCode: 202,
        body: { endpointId: a, webhookId: failed.webhookId, status: 'pending' },
      });
      const { Messages = [] } = await rig.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: rig.stack.webhookDeliveryQueueUrl,
          WaitTimeSeconds: 1,
        }),
      );
      expect(Messages.map((message) => JSON.parse(message.Body ?? ''))).toEqual([
        { endpointId: a, webhookId: failed.webhookId, body: stored?.body, resend: true },
      ]);
      const pending = await allPages(`endpoint=${a}&status=pending`);
      expect(keys(pending.all)).toContain(`${a}/${failed.webhookId}`);
      const stillFailed = await allPages(`endpoint=${a}&status=failed`);
      expect(keys(stillFailed.all)).not.toContain(`${a}/${failed.webhookId}`);
      failed.status = 'pending';

      const gone = logged.find((entry) => entry.endpointId === removed);
      const refused = await rig.route('POST', `/webhooks/deliveries/${removed}/${gone?.webhookId}/resend`);
      expect(refused).toMatchObject({ statusCode: 409, body: { message: 'the endpoint is no longer configured' } });
      const unknown = await rig.route('POST', `/webhooks/deliveries/${a}/${newWebhookId()}/resend`);
      expect(unknown).toMatchObject({ statusCode: 404, body: { message: 'no such delivery' } });
    });
  });
});

describe('retries driven by the delivery queue on fauxqs', () => {
  it('a failed attempt hides its message for the scheduled delay (ChangeMessageVisibility), then it is attempted again', async () => {
    const flaky = await receiver((attempt) => ({ status: attempt === 1 ? 500 : 200 }));
    const id = endpointId('visibility');
    rig.configure([{ id, url: flaky.url }]);
    // 5 s × 0.4, no jitter: the first retry is due 2 s after the first attempt. The queue's own
    // visibility timeout is 180 s and the poller sets none, so only the deliverer's call brings it back.
    rig.start({ retryScale: 0.4, random: () => 0.5 });
    const webhookId = await rig.publish();

    const pending = await eventually('the first attempt logged', async () => {
      const found = await rig.log.find(id, webhookId);
      return found?.attempts.length === 1 ? found : undefined;
    });
    expect(pending.status).toBe('pending');
    const firstAt = Date.parse(pending.attempts[0]?.at ?? '');
    expect((pending.nextAttemptAt ?? 0) - firstAt).toBeGreaterThanOrEqual(2_000);
    expect((pending.nextAttemptAt ?? 0) - firstAt).toBeLessThan(2_500);
    expect(await rig.depth(rig.stack.webhookDeliveryQueueUrl)).toEqual({ visible: 0, hidden: 1 });

    await eventually('the second attempt', () => flaky.received.length === 2);
    const [first, second] = flaky.received;
    const gap = (second?.at ?? 0) - (first?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(1_900);
    expect(gap).toBeLessThan(4_500);
    expect(second?.id).toBe(first?.id);
    expect(second?.body).toBe(first?.body);
    expect(flaky.received.every((request) => request.verifiedSecrets === SECRETS.length)).toBe(true);
    const done = await eventually('success logged', async () => {
      const found = await rig.log.find(id, webhookId);
      return found?.status === 'succeeded' ? found : undefined;
    });
    expect(done.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 200]);
    await eventually('the delivery queue empty', async () => {
      const { visible, hidden } = await rig.depth(rig.stack.webhookDeliveryQueueUrl);
      return visible + hidden === 0;
    });
  });

  it(`after the ${MAX_ATTEMPTS}th failed attempt the message is dead-lettered, same body, and never attempted again`, async () => {
    const down = await receiver(() => ({ status: 503 }));
    const id = endpointId('exhausted');
    rig.configure([{ id, url: down.url }]);
    rig.start({ retryScale: TINY_SCALE });
    const webhookId = await rig.publish();

    const item = await eventually(
      'the message failed for good',
      async () => {
        const found = await rig.log.find(id, webhookId);
        return found?.status === 'failed' ? found : undefined;
      },
      60_000,
    );
    expect(item.attempts).toHaveLength(MAX_ATTEMPTS);
    expect(item.attempts.every((attempt) => attempt.error === 'HTTP 503')).toBe(true);
    expect(item.nextAttemptAt).toBeNull();
    const deadLetters = await eventually('the dead letter', async () => {
      const messages = await rig.drainDeadLetters();
      return messages.length > 0 ? messages : undefined;
    });
    expect(deadLetters).toEqual([
      { endpointId: id, webhookId, body: item.body, reason: `${MAX_ATTEMPTS} attempts failed, the last: HTTP 503` },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(down.received).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(down.received.map((request) => `${request.id}|${request.body}`)).size).toBe(1);
    expect(await rig.depth(rig.stack.webhookDeliveryQueueUrl)).toEqual({ visible: 0, hidden: 0 });
    expect(await rig.drainDeadLetters()).toEqual([]);
  });

  it('410 Gone ends the retries at once: one attempt, failed, nothing left queued or dead-lettered', async () => {
    const gone = await receiver(() => ({ status: 410 }));
    const id = endpointId('gone');
    rig.configure([{ id, url: gone.url }]);
    rig.start({ retryScale: TINY_SCALE });
    const webhookId = await rig.publish();
    const item = await eventually('the 410 logged', async () => {
      const found = await rig.log.find(id, webhookId);
      return found?.status === 'failed' ? found : undefined;
    });
    expect(item.attempts.map(({ statusCode, error }) => ({ statusCode, error }))).toEqual([
      { statusCode: 410, error: 'HTTP 410' },
    ]);
    expect(item.nextAttemptAt).toBeNull();
    // Longer than two scheduled retries would take.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(gone.received).toHaveLength(1);
    expect(await rig.depth(rig.stack.webhookDeliveryQueueUrl)).toEqual({ visible: 0, hidden: 0 });
    expect(await rig.drainDeadLetters()).toEqual([]);
  });

  it('a 429 with Retry-After waits that long, unscaled, though the schedule says 1 s', async () => {
    const throttled = await receiver((attempt) =>
      attempt === 1 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 204 },
    );
    const id = endpointId('retry-after');
    rig.configure([{ id, url: throttled.url }]);
    rig.start({ retryScale: TINY_SCALE });
    const webhookId = await rig.publish();
    const pending = await eventually('the 429 logged', async () => {
      const found = await rig.log.find(id, webhookId);
      return found?.attempts.length === 1 ? found : undefined;
    });
    expect(pending.status).toBe('pending');
    expect((pending.nextAttemptAt ?? 0) - Date.parse(pending.attempts[0]?.at ?? '')).toBeGreaterThanOrEqual(3_000);
    await eventually('the second attempt', () => throttled.received.length === 2);
    const gap = (throttled.received[1]?.at ?? 0) - (throttled.received[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(2_900);
    expect(gap).toBeLessThan(5_500);
    await eventually('success logged', async () => (await rig.log.find(id, webhookId))?.status === 'succeeded');
  });

  it('fans one event out to each matching endpoint once, even when the fan-out message is redelivered', async () => {
    const one = await receiver(() => ({ status: 200 }));
    const two = await receiver(() => ({ status: 200 }));
    const [first, second, filtered] = [endpointId('fan-one'), endpointId('fan-two'), endpointId('fan-gme')];
    rig.configure([
      { id: first, url: one.url },
      { id: second, url: two.url },
      { id: filtered, url: one.url, platforms: ['gme'] },
    ]);
    rig.start({ retryScale: TINY_SCALE });
    const webhookId = newWebhookId();
    await rig.publish({ id: webhookId });
    await eventually('both delivered', () => one.received.length === 1 && two.received.length === 1);
    await eventually('both logged', async () => (await rig.log.find(second, webhookId))?.status === 'succeeded');
    // The same envelope again, as the bus or the fan-out queue may redeliver it.
    await rig.publish({ id: webhookId });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(one.received).toHaveLength(1);
    expect(two.received).toHaveLength(1);
    expect(await rig.log.find(filtered, webhookId)).toBeUndefined();
  });
});
