import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devKeyFor } from '../../fixtures/dev-apps';
import { DEV_APPS, trtcBody } from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import { WEBHOOK_TEST_SECRETS } from '../../fixtures/test-secrets';
import { encodeQueuedCallback } from '../../lib/model/queued-callback';
import { localClientConfig } from '../../local/emulators';
import { findFreePort } from '../../local/free-port';
import { findChromium, type LaunchedChromium, launchChromium } from '../../tools/console/chromium';
import { run, type Started, waitFor } from '../helpers/child-processes';
import { startWebhookReceiver } from '../helpers/webhook-receiver';

/**
 * The operator console in headless Chromium against the real `npm start` stack (README, "Console").
 * Without a Chromium these tests are skipped, and the run says so on its own line.
 */
const CHROMIUM = findChromium();
if (!CHROMIUM) {
  console.log(
    'SKIPPED: the console browser tests (test/e2e/console.test.ts) need Chromium; none at /usr/bin/chromium or $CHROMIUM_PATH (apt-get install -y chromium)',
  );
}

const APP = DEV_APPS.trtcSigned;
const RUN = Date.now().toString(36);
/** Recordings generated in APP: enough for three pages of 10. */
const GENERATED = 24;
const LONG_TASK = `console-${RUN}-timeline`;
const SLICES = 30;
/** 5.4 s: generated recordings left at `recording` become stale while the suite runs. */
const STALE_AFTER_HOURS = '0.0015';
/** Two signing secrets of the suite's (the log-hygiene check knows them). */
const WEBHOOK_SECRETS = [WEBHOOK_TEST_SECRETS.current, WEBHOOK_TEST_SECRETS.previous];
/**
 * Every scheduled webhook delay becomes a whole second or a few (each rounds up): a message to an endpoint
 * that always fails makes its 8 attempts and is dead-lettered in about 15 s.
 */
const WEBHOOK_RETRY_SCALE = '0.0001';

interface Delivery {
  endpointId: string;
  webhookId: string;
  status: string;
  attempts: { statusCode: number | null; error: string | null }[];
}

describe.skipIf(!CHROMIUM)('the operator console in Chromium, on npm start', () => {
  let stack: Started;
  let url: string;
  let browser: LaunchedChromium;
  let page: Page;
  const requested: string[] = [];
  /** Every answer of /console/api/… the page got, to look for secrets in. */
  const answers: Promise<string>[] = [];
  /** The page's DOM at each webhooks and dead-letters view, to look for secrets in. */
  const doms: string[] = [];
  /** A receiver that answers 204, and one that answers 500 to everything (dead-lettered after 8 attempts). */
  let ok: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let failing: Awaited<ReturnType<typeof startWebhookReceiver>>;

  const post = async (taskId: string, eventType: number, options: Parameters<typeof trtcBody>[1] = { taskId }) => {
    const sample = {
      name: 'console',
      endpoint: 'tencent-trtc' as const,
      appId: APP,
      body: trtcBody(eventType, options),
    };
    const request = signTestRequest(sample, { key: await devKeyFor(sample) });
    const send = () =>
      fetch(`${url}/callbacks/tencent-trtc`, {
        method: 'POST',
        headers: request.headers as Record<string, string>,
        body: request.body,
      });
    let response = await send();
    // 503: the queue did not answer in ingest's time on a busy machine; the vendor would retry, so do we.
    for (let attempt = 1; attempt < 3 && response.status === 503; attempt++) response = await send();
    expect(response.status).toBe(200);
    return request;
  };
  const api = async <T>(path: string) => (await (await fetch(`${url}${path}`)).json()) as T;
  const open = async (hash: string) => {
    await page.goto(`${url}/console/${hash}`);
    await page.locator('h1').first().waitFor();
  };
  const rowsOf = (selector = 'table.recordings tbody tr') => page.locator(selector);
  const loaded = () => page.locator('.loading').waitFor({ state: 'detached' });
  /** Every delivery of a query, through the route itself, paged as a client pages. */
  const deliveriesOf = async (query: string) => {
    const all: Delivery[] = [];
    let cursor: string | null = null;
    do {
      const answer: { deliveries: Delivery[]; nextCursor: string | null } = await api(
        `/webhooks/deliveries?${query}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      all.push(...answer.deliveries);
      cursor = answer.nextCursor;
    } while (cursor !== null);
    return all;
  };
  const settledWebhooks = () =>
    waitFor(
      'every message to the failing endpoint to be dead-lettered',
      async () => ((await deliveriesOf('endpoint=failing&status=pending')).length === 0 ? true : undefined),
      90_000,
    );

  beforeAll(async () => {
    ok = await startWebhookReceiver({ secrets: WEBHOOK_SECRETS, answer: () => ({ status: 204 }) });
    failing = await startWebhookReceiver({ secrets: WEBHOOK_SECRETS, answer: () => ({ status: 500 }) });
    const webhooksFile = join(mkdtempSync(join(tmpdir(), 'console-webhooks-')), 'webhooks.json');
    writeFileSync(
      webhooksFile,
      JSON.stringify({
        endpoints: [
          { id: 'ok', url: ok.url, secrets: WEBHOOK_SECRETS },
          { id: 'failing', url: failing.url, secrets: WEBHOOK_SECRETS },
        ],
      }),
    );
    const port = await findFreePort();
    url = `http://127.0.0.1:${port}`;
    stack = run('npm', ['start'], {
      PORT: String(port),
      STALE_AFTER_HOURS,
      SWEEP_INTERVAL_SECONDS: '3600',
      RECORDING_WEBHOOKS_FILE: webhooksFile,
      WEBHOOK_RETRY_SCALE,
    });
    await waitFor(
      'GET /health to answer 200',
      async () => ((await fetch(`${url}/health`)).status === 200 ? true : undefined),
      90_000,
    );
    // A replay is idempotent: on a machine too busy for ingest's queue timeout (a 503), send again.
    let replay = run('npm', ['run', 'replay', '--', 'events/', '--url', url]);
    for (let attempt = 1; attempt < 3 && (await replay.exit) !== 0; attempt++) {
      replay = run('npm', ['run', 'replay', '--', 'events/', '--url', url]);
    }
    expect(await replay.exit, replay.output()).toBe(0);
    // Generated: recordings in rooms of three, every third one stopped; one long recording with HLS slices.
    for (let index = 0; index < GENERATED; index++) {
      const taskId = `console-${RUN}-${String(index).padStart(2, '0')}`;
      const roomId = `room-${RUN}-${index % 3}`;
      await post(taskId, 301, { taskId, roomId, eventMsTs: Date.now() - 60_000 });
      if (index % 3 === 0) await post(taskId, 302, { taskId, roomId, eventMsTs: Date.now() - 30_000 });
    }
    const start = Date.now() - 3_600_000;
    await post(LONG_TASK, 301, { taskId: LONG_TASK, eventMsTs: start });
    for (let slice = 0; slice < SLICES; slice++) {
      await post(LONG_TASK, 307, {
        taskId: LONG_TASK,
        eventMsTs: start + (slice + 1) * 100_000,
        payload: { Status: 0, FileName: `slice-${String(slice).padStart(3, '0')}.ts` },
      });
    }
    await waitFor(
      'every generated event applied',
      async () => {
        const state = await api<{ eventCount?: number }>(`/recordings/trtc/${APP}/${LONG_TASK}`);
        const list = await api<{ recordings: unknown[] }>(`/recordings/trtc/${APP}?limit=100`);
        return state.eventCount === SLICES + 1 && list.recordings.length >= GENERATED + 1 ? true : undefined;
      },
      60_000,
    );
    browser = await launchChromium({ executablePath: CHROMIUM as string });
    browser.context.on('request', (request) => requested.push(request.url()));
    browser.context.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/console/api/')) answers.push(response.text().catch(() => ''));
    });
    page = await browser.context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (stack && stack.child.exitCode === null) {
      stack.child.kill('SIGTERM');
      await stack.exit;
    }
    await Promise.all([ok?.stop(), failing?.stop()]);
  }, 60_000);

  it('opens on the first app of GET /apps, with one h1 and a table with headers', async () => {
    const { apps } = await api<{ apps: { platform: string; appId: string }[] }>('/apps');
    await open('');
    await loaded();
    expect(await page.locator('h1').allInnerTexts()).toEqual([`Recordings of ${apps[0]?.platform} ${apps[0]?.appId}`]);
    expect(await page.locator('table.recordings th').allInnerTexts()).toEqual(
      expect.arrayContaining([
        'Task id',
        'Room',
        'Status',
        'Files',
        'Events',
        'Updated',
        'Stale',
        "Vendor's last answer",
      ]),
    );
    expect(await rowsOf().count()).toBeGreaterThan(0);
  });

  it('filters by status and room through the form, and the filters are in the shareable URL', async () => {
    await open(`#/recordings?platform=trtc&appId=${APP}&limit=100`);
    await loaded();
    await page.getByLabel('Status').selectOption('stopped');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/status=stopped/);
    await loaded();
    const statuses = await page.locator('table.recordings tbody tr td:nth-child(3)').allInnerTexts();
    expect(statuses.length).toBe(GENERATED / 3);
    expect(new Set(statuses)).toEqual(new Set(['stopped']));

    const room = `room-${RUN}-1`;
    await open(`#/recordings?platform=trtc&appId=${APP}&room=${room}`);
    await loaded();
    const rooms = await page.locator('table.recordings tbody tr td:nth-child(2)').allInnerTexts();
    expect(rooms.length).toBe(GENERATED / 3);
    expect(new Set(rooms)).toEqual(new Set([room]));
    expect(await page.getByLabel('Room').inputValue()).toBe(room);
  });

  it('pages with Next, as the listing route pages, without a row twice', async () => {
    const first = await api<{ recordings: { taskId: string }[]; nextCursor: string }>(
      `/recordings/trtc/${APP}?limit=10`,
    );
    await open(`#/recordings?platform=trtc&appId=${APP}&limit=10`);
    await loaded();
    const pageOne = await page.locator('table.recordings tbody tr td:first-child').allInnerTexts();
    expect(pageOne).toEqual(first.recordings.map((recording) => recording.taskId));
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL(/cursor=/);
    await loaded();
    const second = await api<{ recordings: { taskId: string }[] }>(
      `/recordings/trtc/${APP}?limit=10&cursor=${encodeURIComponent(first.nextCursor)}`,
    );
    const pageTwo = await page.locator('table.recordings tbody tr td:first-child').allInnerTexts();
    expect(pageTwo).toEqual(second.recordings.map((recording) => recording.taskId));
    expect(pageTwo.filter((taskId) => pageOne.includes(taskId))).toEqual([]);
  });

  it("draws one timeline mark per distinct event, each titled with the route's eventType and time", async () => {
    const state = await api<{ eventCount: number; fileCount: number }>(`/recordings/trtc/${APP}/${LONG_TASK}`);
    const { events } = await api<{ events: { eventType: string }[] }>(
      `/recordings/trtc/${APP}/${LONG_TASK}/events?limit=1000`,
    );
    await open(`#/recording/trtc/${APP}/${LONG_TASK}`);
    const chart = page.getByRole('img', { name: /Timeline/ });
    await chart.waitFor();
    const titles = await chart.locator('.marks title').allTextContents();
    expect(titles).toHaveLength(state.eventCount);
    expect(titles.map((title) => title.split(' at ')[0])).toEqual(events.map((event) => event.eventType));
    for (const title of titles) expect(title).toMatch(/ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Bands carry the status, never an event type.
    const bandTitles = await chart.locator('.bands title').allTextContents();
    expect(bandTitles.length).toBeGreaterThan(0);
    for (const title of bandTitles) for (const { eventType } of events) expect(title).not.toContain(eventType);
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.locator('table.files tbody tr').count()).toBe(Math.min(state.fileCount, 100));
  });

  it('lists stale recordings of every app, with the stale flag', async () => {
    await waitFor(
      'the generated recordings to be stale',
      async () => {
        const list = await api<{ recordings: unknown[] }>(`/recordings/trtc/${APP}?stale=true&limit=100`);
        return list.recordings.length >= GENERATED - GENERATED / 3 ? true : undefined;
      },
      30_000,
    );
    await open('#/stale');
    await loaded();
    expect(await page.locator('h1').allInnerTexts()).toEqual(['Stale recordings']);
    const tasks = await page.locator('table.recordings tbody tr td:nth-child(2)').allInnerTexts();
    const running = Array.from({ length: GENERATED }, (_, index) => index)
      .filter((index) => index % 3 !== 0)
      .map((index) => `console-${RUN}-${String(index).padStart(2, '0')}`);
    expect(tasks).toEqual(expect.arrayContaining(running));
    expect(await page.locator('table.recordings tbody tr', { hasText: running[0] }).innerText()).toContain('stale');
  });

  it('shows a dead letter without its signature or body, and redrives it after confirmation', async () => {
    const sqsEndpoint = /SQS {10}(http:\/\/127\.0\.0\.1:\d+)/.exec(stack.output())?.[1];
    const dlqUrl = /DLQ {3}(\S+)/.exec(stack.output())?.[1];
    expect(sqsEndpoint && dlqUrl).toBeTruthy();
    const taskId = `console-${RUN}-dead-letter`;
    const sample = { name: 'dlq', endpoint: 'tencent-trtc' as const, appId: APP, body: trtcBody(301, { taskId }) };
    const signed = signTestRequest(sample, { key: await devKeyFor(sample) });
    const sqs = new SQSClient(localClientConfig(sqsEndpoint as string));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: encodeQueuedCallback({
          version: 1,
          endpoint: 'tencent-trtc',
          appId: APP,
          receivedAt: Date.now(),
          query: {},
          headers: signed.headers as Record<string, string>,
          body: signed.body as string,
        }),
      }),
    );
    sqs.destroy();
    await open('#/dead-letters');
    await loaded();
    const section = page.locator('section[data-queue="callbacks"]');
    await expect.poll(() => section.locator('.depth').innerText()).toContain('1 message');
    const text = await page.locator('main').innerText();
    expect(text).toContain('callback tencent-trtc');
    expect(text).toContain(APP);
    const signature =
      (signed.headers as Record<string, string>).Sign ?? (signed.headers as Record<string, string>).sign;
    expect(signature).toBeTruthy();
    expect(await page.content()).not.toContain(signature as string);
    expect(await page.content()).not.toContain(taskId);

    await section.getByRole('button', { name: 'Redrive' }).click();
    const confirm = section.getByRole('group', { name: 'Confirm redrive' });
    await expect.poll(() => confirm.innerText()).toContain('Move 1 message');
    await confirm.getByRole('button', { name: 'Confirm redrive' }).click();
    await expect
      .poll(() => page.getByRole('status').innerText())
      .toBe('Callback DLQ: moved 1 message back to the callback queue; 0 failed.');
    await expect.poll(() => section.locator('.depth').innerText()).toContain('0 messages');
    await waitFor(
      'the redriven callback applied',
      async () => ((await fetch(`${url}/recordings/trtc/${APP}/${taskId}`)).status === 200 ? true : undefined),
      30_000,
    );
  });

  it('names what failed when a request fails, never a blank page', async () => {
    await open(`#/recording/trtc/${APP}/no-such-task`);
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    expect(await alert.innerText()).toBe(
      `Loading recording no-such-task (GET /recordings/trtc/${APP}/no-such-task) failed: HTTP 404 recording not found`,
    );
    await open('#/recordings?platform=zoom&appId=x');
    expect(await page.getByRole('alert').first().innerText()).toMatch(
      /^Loading the recordings of zoom x \(GET \/recordings\/zoom\/x\?limit=20\) failed: HTTP 400 platform must be one of/,
    );
  });

  it('shows webhook deliveries by endpoint and status, filters them, and pages with Next', async () => {
    await settledWebhooks();
    const succeeded = await deliveriesOf('endpoint=ok&status=succeeded');
    const failed = await deliveriesOf('endpoint=failing&status=failed');
    // Each published event once at each endpoint: more than a page of 20 at either.
    expect(succeeded.length).toBeGreaterThan(20);
    expect(failed.map((entry) => entry.webhookId).sort()).toEqual(succeeded.map((entry) => entry.webhookId).sort());
    for (const entry of failed) {
      // 8 attempts per message; delivery is at least once per endpoint, so a message queued twice for one
      // endpoint before its first attempt (a republished event) logs 16 in the one item.
      expect(entry.attempts.length % 8).toBe(0);
      expect(entry.attempts.every((attempt) => attempt.statusCode === 500 && attempt.error === 'HTTP 500')).toBe(true);
    }

    await open('#/webhooks');
    await loaded();
    expect(await page.locator('h1').allInnerTexts()).toEqual(['Webhook deliveries']);
    expect(await page.locator('table.deliveries th').allInnerTexts()).toEqual([
      'Endpoint',
      'Webhook id',
      'Type',
      'Recording',
      'Status',
      'Attempts',
      'Last attempt',
      'Next attempt',
      'Action',
    ]);
    const cell = (column: number) => page.locator(`table.deliveries tbody tr td:nth-child(${column})`).allInnerTexts();
    expect(await rowsOf('table.deliveries tbody tr').count()).toBe(20);
    expect(new Set(await cell(1))).toEqual(new Set(['ok', 'failing']));
    expect(new Set(await cell(5))).toEqual(new Set(['succeeded', 'failed']));

    // The filters, through the form; the URL holds them.
    await page.getByLabel('Endpoint').fill('failing');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/#\/webhooks\?endpoint=failing&status=failed$/);
    await loaded();
    expect(await page.locator('h1').allInnerTexts()).toEqual(['Webhook deliveries to failing']);
    expect(await cell(1)).toEqual(Array(20).fill('failing'));
    expect(await cell(5)).toEqual(Array(20).fill('failed'));
    for (const text of await cell(6)) expect(Number(text) % 8).toBe(0);
    for (const text of await cell(7)) expect(text).toMatch(/HTTP 500 \(\d+ ms\)$/);
    expect(await cell(2)).toEqual(failed.slice(0, 20).map((entry) => entry.webhookId));

    // Paging: the route's own pages, in order, no row twice.
    await open('#/webhooks?endpoint=ok&status=succeeded&limit=10');
    await loaded();
    const pageOne = await cell(2);
    expect(pageOne).toEqual(succeeded.slice(0, 10).map((entry) => entry.webhookId));
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL(/cursor=/);
    await loaded();
    const pageTwo = await cell(2);
    expect(pageTwo).toEqual(succeeded.slice(10, 20).map((entry) => entry.webhookId));
    expect(await cell(1)).toEqual(Array(10).fill('ok'));
    await page.getByRole('link', { name: 'First page' }).click();
    await page.waitForURL(/limit=10$/);
    await loaded();
    expect(await cell(2)).toEqual(pageOne);
    doms.push(await page.content());
  }, 120_000);

  it('resends a delivery after confirmation: the receiver gets the same webhook-id and body again', async () => {
    await open('#/webhooks?endpoint=ok&status=succeeded');
    await loaded();
    const row = rowsOf('table.deliveries tbody tr').first();
    const webhookId = (await row.getAttribute('data-webhook-id')) as string;
    const before = ok.received.filter((entry) => entry.id === webhookId);
    expect(before.length).toBeGreaterThan(0);
    await row.getByRole('button', { name: 'Resend' }).click();
    const confirm = row.getByRole('group', { name: 'Confirm resend' });
    expect(await confirm.innerText()).toContain(`Send ${webhookId} to ok again`);
    // Nothing is sent before the confirmation.
    expect(ok.received.filter((entry) => entry.id === webhookId)).toHaveLength(before.length);
    await confirm.getByRole('button', { name: 'Confirm resend' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe(`Resend of ${webhookId} to ok queued.`);
    doms.push(await page.content());
    const again = await waitFor(
      'the resent webhook at the receiver',
      async () => ok.received.filter((entry) => entry.id === webhookId)[before.length],
      30_000,
    );
    expect(again.body).toBe(before[0]?.body);
    expect(again.verifiedSecrets).toBe(2);
    await expect
      .poll(
        async () => (await deliveriesOf('endpoint=ok')).find((entry) => entry.webhookId === webhookId)?.attempts.length,
      )
      .toBe(before.length + 1);
  });

  it('lists the webhook DLQ with its depth and messages, and redrives it to the delivery queue', async () => {
    await settledWebhooks();
    const failed = await deliveriesOf('endpoint=failing&status=failed');
    // One dead letter per message that made its 8 attempts.
    const deadLettered = failed.reduce((sum, entry) => sum + entry.attempts.length / 8, 0);
    expect(deadLettered).toBeGreaterThanOrEqual(failed.length);
    await open('#/dead-letters');
    await loaded();
    const section = page.locator('section[data-queue="webhooks"]');
    expect(await section.locator('h2').innerText()).toBe('Webhook DLQ');
    await expect.poll(() => section.locator('.depth strong').innerText()).toBe(`${deadLettered} messages`);
    const sources = await section.locator('table.messages tbody tr td:first-child').allInnerTexts();
    expect(sources.length).toBe(Math.min(10, failed.length));
    expect(new Set(sources)).toEqual(new Set(['webhook failing']));
    const reasons = await section.locator('table.messages tbody tr td:nth-child(7)').allInnerTexts();
    expect(new Set(reasons)).toEqual(new Set(['8 attempts failed, the last: HTTP 500']));
    doms.push(await page.content());

    const attemptsBefore = failing.received.length;
    await section.getByRole('button', { name: 'Redrive' }).click();
    const confirm = section.getByRole('group', { name: 'Confirm redrive' });
    await confirm.getByRole('button', { name: 'Confirm redrive' }).click();
    await expect
      .poll(() => page.getByRole('status').innerText())
      .toBe(`Webhook DLQ: moved ${deadLettered} messages back to the webhook delivery queue; 0 failed.`);
    // Each one attempted again, with its own webhook-id.
    await waitFor(
      'the redriven webhooks at the failing receiver',
      async () => {
        const ids = new Set(failing.received.slice(attemptsBefore).map((entry) => entry.id));
        return failed.every((entry) => ids.has(entry.webhookId)) ? true : undefined;
      },
      30_000,
    );
  }, 120_000);

  it('names the deliveries request that failed', async () => {
    await open('#/webhooks?status=nope');
    expect(await page.getByRole('alert').first().innerText()).toMatch(
      /^Loading webhook deliveries \(GET \/webhooks\/deliveries\?limit=20&status=nope\) failed: HTTP 400 status must be one of/,
    );
  });

  it('never shows a webhook secret or signature, in the page or in an answer it got', async () => {
    const texts = [...doms, await page.content(), ...(await Promise.all(answers))];
    expect(doms.length).toBe(3);
    expect(texts.join('\n')).toContain('webhook failing');
    const signatures = [...ok.received, ...failing.received].flatMap((entry) =>
      entry.signature.split(' ').map((part) => part.slice('v1,'.length)),
    );
    expect(signatures.length).toBeGreaterThan(0);
    const forbidden = [
      ...WEBHOOK_SECRETS,
      ...WEBHOOK_SECRETS.map((secret) => secret.slice('whsec_'.length)),
      ...signatures,
      ok.url,
      failing.url,
    ];
    for (const text of texts) for (const value of forbidden) expect(text).not.toContain(value);
  });

  it('made no request off this machine', () => {
    expect(requested.length).toBeGreaterThan(10);
    const offMachine = requested.filter((address) => !['127.0.0.1', 'localhost'].includes(new URL(address).hostname));
    expect(offMachine).toEqual([]);
  });
});
