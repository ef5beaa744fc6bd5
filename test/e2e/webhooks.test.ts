import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_TEST_SECRETS } from '../../fixtures/test-secrets';
import { findFreePort } from '../../local/free-port';
import { run, type Started, waitFor } from '../helpers/child-processes';
import { startEventReceiver } from '../helpers/event-receiver';
import { startWebhookReceiver } from '../helpers/webhook-receiver';

const { current, previous, wrong } = WEBHOOK_TEST_SECRETS;
const SECRETS = [current, previous];
type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
interface Delivery {
  endpointId: string;
  webhookId: string;
  type: string;
  recording: { platform: string; appId: string; taskId: string };
  status: string;
  attempts: { at: string; statusCode: number | null; error: string | null; ms: number }[];
  nextAttemptAt: string | null;
}

/**
 * README, "Signed webhooks", on `npm start` with the schedule compressed (WEBHOOK_RETRY_SCALE=0.001):
 * receivers that succeed, fail their first attempts, throttle with Retry-After, answer 410, hang past
 * the 15 s timeout, or are down for good, each checking every request as a `standardwebhooks` consumer.
 */
describe('npm start: signed webhooks to endpoints that fail in every way', () => {
  let stack: Started;
  let url: string;
  let events: Awaited<ReturnType<typeof startEventReceiver>>;
  const receivers: Record<string, Receiver> = {};
  let downUrl: string;

  beforeAll(async () => {
    events = await startEventReceiver();
    receivers.ok = await startWebhookReceiver({ secrets: SECRETS, answer: () => ({ status: 204 }) });
    receivers['trtc-only'] = await startWebhookReceiver({ secrets: SECRETS, answer: () => ({ status: 200 }) });
    receivers['livekit-only'] = await startWebhookReceiver({ secrets: SECRETS, answer: () => ({ status: 200 }) });
    receivers.flaky = await startWebhookReceiver({
      secrets: SECRETS,
      answer: (attempt) => ({ status: attempt <= 2 ? 500 : 204 }),
    });
    receivers.throttled = await startWebhookReceiver({
      secrets: SECRETS,
      answer: (attempt) => (attempt === 1 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 200 }),
    });
    receivers.gone = await startWebhookReceiver({ secrets: SECRETS, answer: () => ({ status: 410 }) });
    receivers.slow = await startWebhookReceiver({
      secrets: SECRETS,
      answer: (attempt) => (attempt === 1 ? 'hang' : { status: 200 }),
    });
    downUrl = `http://127.0.0.1:${await findFreePort()}/hooks`;
    const endpoint = (id: string, extra: Record<string, unknown> = {}) => ({
      id,
      url: receivers[id]?.url ?? downUrl,
      secrets: SECRETS,
      ...extra,
    });
    const webhooksFile = join(mkdtempSync(join(tmpdir(), 'webhooks-')), 'webhooks.json');
    writeFileSync(
      webhooksFile,
      JSON.stringify({
        endpoints: [
          endpoint('ok'),
          endpoint('trtc-only', { platforms: ['trtc'], types: ['recording.status_changed'] }),
          endpoint('livekit-only', { platforms: ['livekit'], appIds: ['no-such-app'] }),
          endpoint('flaky'),
          endpoint('throttled'),
          endpoint('gone'),
          endpoint('slow'),
          endpoint('down'),
        ],
      }),
    );
    const port = await findFreePort();
    url = `http://127.0.0.1:${port}`;
    stack = run('npm', ['start'], {
      PORT: String(port),
      RECORDING_EVENTS_URL: events.url,
      RECORDING_WEBHOOKS_FILE: webhooksFile,
      WEBHOOK_RETRY_SCALE: '0.001',
    });
    await waitFor(
      'GET /health to answer 200',
      async () => ((await fetch(`${url}/health`)).ok ? true : undefined),
      90_000,
    );
    const replay = run('npm', [
      'run',
      'replay',
      '--',
      ...[1, 2, 3, 4, 5].map((n) => `events/ingest-trtc-lifecycle-trtc-30${n}.json`),
      'events/ingest-livekit-0-egress_started.json',
      'events/ingest-livekit-3-egress_ended.json',
      '--url',
      url,
    ]);
    expect(await replay.exit).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(Object.values(receivers).map((receiver) => receiver.stop()));
    if (stack?.child.exitCode === null) {
      stack.child.kill('SIGTERM');
      await stack.exit;
    }
    await events?.stop();
  }, 60_000);

  const publishedIds = () => [...new Set(events.received.map(({ envelope }) => envelope.detail.id))].sort();
  const deliveries = async (query: string): Promise<{ deliveries: Delivery[]; nextCursor: string | null }> => {
    const response = await fetch(`${url}/webhooks/deliveries?${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { deliveries: Delivery[]; nextCursor: string | null };
  };
  const allOf = async (query: string, limit = 2): Promise<Delivery[]> => {
    const all: Delivery[] = [];
    let cursor: string | null = null;
    do {
      const page: { deliveries: Delivery[]; nextCursor: string | null } = await deliveries(
        `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      all.push(...page.deliveries);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return all;
  };

  it('delivers every published event once to each matching endpoint, signed with every secret', async () => {
    await waitFor(
      'every published event at the ok endpoint',
      async () => {
        const published = publishedIds();
        return published.length >= 2 && JSON.stringify(receivers.ok?.ids().sort()) === JSON.stringify(published)
          ? true
          : undefined;
      },
      60_000,
    );
    const published = events.received.map(({ envelope }) => envelope);
    const ok = receivers.ok as Receiver;
    expect(ok.received).toHaveLength(published.length);
    for (const request of ok.received) {
      expect(request.verifiedSecrets).toBe(2);
      expect(request.signature.split(' ')).toHaveLength(2);
      const envelope = published.find((candidate) => candidate.detail.id === request.id);
      const body = JSON.parse(request.body);
      expect(body).toEqual({
        type: envelope?.['detail-type'] === 'Recording Stale' ? 'recording.stale' : 'recording.status_changed',
        timestamp: new Date(envelope?.time ?? 0).toISOString(),
        data: envelope?.detail,
      });
      // As a consumer: a wrong secret, a tampered body fail.
      const headers = {
        'webhook-id': request.id,
        'webhook-timestamp': request.timestamp,
        'webhook-signature': request.signature,
      };
      expect(() => new Webhook(wrong).verify(request.body, headers)).toThrow();
      expect(() => new Webhook(current).verify(request.body.replace('"data":{', '"data":{"x":1,'), headers)).toThrow();
    }
    const trtcIds = published.filter((envelope) => envelope.detail.platform === 'trtc').map((e) => e.detail.id);
    expect(trtcIds.length).toBeGreaterThan(0);
    expect(trtcIds.length).toBeLessThan(published.length);
    await waitFor(
      'the trtc-only endpoint',
      async () => (receivers['trtc-only']?.ids().length === trtcIds.length ? true : undefined),
      30_000,
    );
    expect(receivers['trtc-only']?.ids().sort()).toEqual([...trtcIds].sort());
    expect(receivers['livekit-only']?.received).toEqual([]);
  }, 90_000);

  it('retries a failing endpoint on the compressed schedule, honours Retry-After unscaled, stops at 410', async () => {
    const count = publishedIds().length;
    await waitFor(
      'flaky, throttled and gone to settle',
      async () =>
        receivers.flaky?.received.filter((entry) => entry.answered === 204).length === count &&
        receivers.throttled?.received.filter((entry) => entry.answered === 200).length === count &&
        receivers.gone?.received.length === count
          ? true
          : undefined,
      60_000,
    );
    for (const id of publishedIds()) {
      const flaky = receivers.flaky?.received.filter((entry) => entry.id === id) ?? [];
      expect(flaky.map((entry) => entry.answered)).toEqual([500, 500, 204]);
      // Same body on every attempt; each attempt signed afresh.
      expect(new Set(flaky.map((entry) => entry.body)).size).toBe(1);
      const throttled = receivers.throttled?.received.filter((entry) => entry.id === id) ?? [];
      expect(throttled.map((entry) => entry.answered)).toEqual([429, 200]);
      expect((throttled[1]?.at ?? 0) - (throttled[0]?.at ?? 0)).toBeGreaterThanOrEqual(2_900);
    }
    expect(receivers.gone?.received.map((entry) => entry.answered)).toEqual(Array(count).fill(410));
    const flakyLog = await allOf('endpoint=flaky&status=succeeded');
    expect(flakyLog.map((entry) => entry.webhookId).sort()).toEqual(publishedIds());
    for (const entry of flakyLog) {
      expect(entry.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 204]);
      expect(entry.attempts[0]?.error).toBe('HTTP 500');
      expect(entry.nextAttemptAt).toBeNull();
    }
    const goneLog = await allOf('endpoint=gone');
    expect(goneLog.map((entry) => [entry.status, entry.attempts.length])).toEqual(Array(count).fill(['failed', 1]));
  }, 90_000);

  it('times out an attempt after 15 s and retries it', async () => {
    const count = publishedIds().length;
    await waitFor(
      'the slow endpoint to succeed on its second attempts',
      async () =>
        receivers.slow?.received.filter((entry) => entry.answered === 200).length === count ? true : undefined,
      90_000,
    );
    const log = await allOf('endpoint=slow&status=succeeded', 100);
    expect(log).toHaveLength(count);
    for (const entry of log) {
      expect(entry.attempts[0]).toMatchObject({ statusCode: null, error: 'timeout' });
      expect(entry.attempts[0]?.ms).toBeGreaterThanOrEqual(14_900);
      expect(entry.attempts[1]).toMatchObject({ statusCode: 200, error: null });
    }
  }, 120_000);

  it('gives up on an endpoint that is down after 8 attempts, dead-letters the message, and lists it as failed', async () => {
    const count = publishedIds().length;
    const failed = await waitFor(
      'every message to the down endpoint to fail for good',
      async () => {
        const log = await allOf('endpoint=down&status=failed', 100);
        return log.length === count ? log : undefined;
      },
      180_000,
    );
    for (const entry of failed) {
      expect(entry.attempts).toHaveLength(8);
      expect(entry.attempts.every((attempt) => attempt.error === 'connection error')).toBe(true);
      // The compressed schedule: 1+1+2+8+18+36+36 s ±20 %, whole seconds.
      const span = Date.parse(entry.attempts[7]?.at ?? '') - Date.parse(entry.attempts[0]?.at ?? '');
      expect(span).toBeGreaterThan(80_000);
      // Upper bound: every delay at +20 %, plus polling and attempt time.
      expect(span).toBeLessThan(200_000);
    }
    expect(stack.output().match(/webhook dead-lettered after its last attempt/g)?.length).toBe(count);
  }, 200_000);

  it('lists the log newest first across endpoints, paged, and resends a message with the same id and body', async () => {
    const all = await allOf('status=succeeded', 3);
    const ids = new Set(publishedIds());
    // ok, trtc-only, flaky, throttled and slow each hold their messages.
    expect(all.filter((entry) => entry.endpointId === 'ok').length).toBe(ids.size);
    expect(new Set(all.map((entry) => `${entry.endpointId}/${entry.webhookId}`)).size).toBe(all.length);
    expect((await fetch(`${url}/webhooks/deliveries?status=nope`)).status).toBe(400);

    const first = receivers.ok?.received[0];
    if (!first) throw new Error('nothing received');
    const resend = await fetch(`${url}/webhooks/deliveries/ok/${first.id}/resend`, { method: 'POST' });
    expect(resend.status).toBe(202);
    await waitFor(
      'the resent message',
      async () =>
        (receivers.ok?.received.filter((entry) => entry.id === first.id).length ?? 0) >= 2 ? true : undefined,
      30_000,
    );
    const again = receivers.ok?.received.filter((entry) => entry.id === first.id)[1];
    expect(again?.body).toBe(first.body);
    expect(again?.verifiedSecrets).toBe(2);
    // The log records an attempt once its answer is in: it may trail the receiver by a moment.
    const entry = await waitFor(
      'the resend in the delivery log',
      async () => {
        const found = (await allOf('endpoint=ok', 100)).find((candidate) => candidate.webhookId === first.id);
        return found && found.attempts.length >= 2 ? found : undefined;
      },
      30_000,
    );
    expect(entry?.attempts).toHaveLength(2);
    expect(entry?.status).toBe('succeeded');
    expect((await fetch(`${url}/webhooks/deliveries/ok/nope/resend`, { method: 'POST' })).status).toBe(404);
  }, 60_000);

  it('never writes a secret or a signature in a log line or an answer', async () => {
    const answers = JSON.stringify(await allOf('', 100));
    const signatures = Object.values(receivers).flatMap((receiver) =>
      receiver.received.flatMap((entry) => entry.signature.split(' ').map((part) => part.slice(3))),
    );
    for (const text of [stack.output(), answers]) {
      for (const secret of [current, previous, current.slice(6), previous.slice(6)]) expect(text).not.toContain(secret);
      for (const signature of signatures) expect(text).not.toContain(signature);
      expect(text).not.toContain(downUrl);
    }
  });
});
