/**
 * npm run console:screenshots: starts `npm start` on a free port with three webhook endpoints on loopback
 * (one that answers 204, one that fails twice then succeeds, one that always answers 500 and is
 * dead-lettered; the retry schedule compressed), replays events/ and a few generated recordings (one with
 * HLS slices, some left to go stale, one dead letter), then, in headless Chromium,
 * writes a PNG of each console view to docs/console/ and prints the page's weight (gzipped) and the time
 * to first useful paint (navigation → the recordings table has rows), median of 5 cold loads.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { devKeyFor } from '../fixtures/dev-apps';
import { DEV_APPS, trtcBody } from '../fixtures/samples';
import { signTestRequest } from '../fixtures/sign-test-request';
import { WEBHOOK_TEST_SECRETS } from '../fixtures/test-secrets';
import { encodeQueuedCallback } from '../lib/model/queued-callback';
import { localClientConfig } from '../local/emulators';
import { findFreePort } from '../local/free-port';
import { findChromium, launchChromium } from '../tools/console/chromium';

const OUT = 'docs/console';
const APP = DEV_APPS.trtcSigned;

async function main(): Promise<void> {
  const chromium = findChromium();
  if (!chromium) throw new Error('no Chromium at /usr/bin/chromium or $CHROMIUM_PATH (apt-get install -y chromium)');
  // Webhook receivers: the n-th request of a webhook-id gets answer(n).
  const receivers = await Promise.all([
    receiver(() => 204),
    receiver((attempt) => (attempt <= 2 ? 500 : 204)),
    receiver(() => 500),
  ]);
  const [backend, crm, analytics] = receivers;
  const webhooksFile = join(mkdtempSync(join(tmpdir(), 'console-shots-')), 'webhooks.json');
  const secrets = [WEBHOOK_TEST_SECRETS.current];
  writeFileSync(
    webhooksFile,
    JSON.stringify({
      endpoints: [
        { id: 'backend', url: backend?.url, secrets },
        { id: 'crm', url: crm?.url, secrets, types: ['recording.status_changed'] },
        { id: 'analytics', url: analytics?.url, secrets },
      ],
    }),
  );
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const stack = spawn('node', ['--import', 'tsx', 'local/start.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      STALE_AFTER_HOURS: '0.001',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      RECORDING_WEBHOOKS_FILE: webhooksFile,
      // Whole seconds: analytics's 8 attempts end in the webhook DLQ in about 15 s.
      WEBHOOK_RETRY_SCALE: '0.0001',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  stack.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  try {
    await until('the local stack', async () => (await fetch(`${url}/health`)).status === 200, 90_000);
    await run('node', ['--import', 'tsx', 'scripts/replay.ts', 'events/', '--url', url]);
    const sign = async (eventType: number, options: Parameters<typeof trtcBody>[1]) => {
      const sample = {
        name: 'shot',
        endpoint: 'tencent-trtc' as const,
        appId: APP,
        body: trtcBody(eventType, options),
      };
      return signTestRequest(sample, { key: await devKeyFor(sample) });
    };
    const post = async (eventType: number, options: Parameters<typeof trtcBody>[1]) => {
      const request = await sign(eventType, options);
      await fetch(`${url}/callbacks/tencent-trtc`, {
        method: 'POST',
        headers: request.headers as Record<string, string>,
        body: request.body,
      });
    };
    const now = Date.now();
    for (let index = 0; index < 12; index++) {
      const taskId = `studio-${String(index + 1).padStart(2, '0')}`;
      const roomId = `room-${(index % 3) + 1}`;
      await post(301, { taskId, roomId, eventMsTs: now - (60 - index) * 60_000 });
      if (index % 4 === 0) await post(302, { taskId, roomId, eventMsTs: now - (30 - index) * 60_000 });
    }
    const long = 'studio-live-hls';
    await post(301, { taskId: long, roomId: 'room-1', eventMsTs: now - 3_600_000 });
    for (let slice = 0; slice < 24; slice++) {
      await post(307, {
        taskId: long,
        roomId: 'room-1',
        eventMsTs: now - 3_600_000 + (slice + 1) * 120_000,
        payload: { Status: 0, FileName: `live/${String(slice).padStart(4, '0')}.ts` },
      });
    }
    await post(302, { taskId: long, roomId: 'room-1', eventMsTs: now - 500_000 });
    const sqsEndpoint = /SQS {10}(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    const dlqUrl = /DLQ {3}(\S+)/.exec(output)?.[1] ?? '';
    // A callback that reached the DLQ (as after five failed receives), never applied.
    const dead = await sign(301, { taskId: 'studio-dead-lettered' });
    const sqs = new SQSClient(localClientConfig(sqsEndpoint));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: encodeQueuedCallback({
          version: 1,
          endpoint: 'tencent-trtc',
          appId: APP,
          receivedAt: now,
          query: {},
          headers: dead.headers as Record<string, string>,
          body: dead.body as string,
        }),
      }),
    );
    sqs.destroy();
    // Past the 3.6 s stale threshold, the events applied, and every webhook to analytics dead-lettered.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await until(
      'the webhooks to settle',
      async () => {
        const answer = (await (await fetch(`${url}/webhooks/deliveries?status=pending&limit=1`)).json()) as {
          deliveries: unknown[];
        };
        return answer.deliveries.length === 0;
      },
      90_000,
    );

    mkdirSync(OUT, { recursive: true });
    const browser = await launchChromium({ executablePath: chromium, width: 1280, height: 860 });
    try {
      const page = await browser.context.newPage();
      const views = [
        ['recordings', `#/recordings?platform=trtc&appId=${APP}`, 'table.recordings'],
        ['recording', `#/recording/trtc/${APP}/${long}`, 'svg[role="img"]'],
        ['stale', '#/stale', 'table.recordings'],
        ['dead-letters', '#/dead-letters', 'section.queue'],
        ['webhooks', '#/webhooks', 'table.deliveries'],
      ] as const;
      for (const [name, hash, ready] of views) {
        await page.goto(`${url}/console/${hash}`);
        await page.locator(ready).first().waitFor();
        await page.locator('.loading').first().waitFor({ state: 'detached' });
        await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
        console.log(`${OUT}/${name}.png`);
      }
      // Page weight, as served.
      const [js, css, html] = await Promise.all(
        ['/console/app.js', '/console/app.css', '/console/'].map(async (path) => (await fetch(`${url}${path}`)).text()),
      );
      const size = (text: string) =>
        `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB (${(gzipSync(text, { level: 9 }).length / 1024).toFixed(1)} KiB gzipped)`;
      console.log(`page weight: JS ${size(js ?? '')}, CSS ${size(css ?? '')}, HTML ${size(html ?? '')}`);
      // First useful paint: a fresh page (no cache), navigation start → the first recordings row drawn.
      const samples: number[] = [];
      for (let round = 0; round < 5; round++) {
        const fresh = await browser.context.newPage();
        await fresh.route('**/*', (route) => route.continue());
        const started = performance.now();
        await fresh.goto(`${url}/console/#/recordings?platform=trtc&appId=${APP}`);
        await fresh.locator('table.recordings tbody tr').first().waitFor();
        samples.push(performance.now() - started);
        await fresh.close();
      }
      samples.sort((a, b) => a - b);
      console.log(
        `first useful paint (navigation → first recordings row), 5 loads: median ${samples[2]?.toFixed(0)} ms, min ${samples[0]?.toFixed(0)} ms, max ${samples[4]?.toFixed(0)} ms`,
      );
    } finally {
      await browser.close();
    }
  } finally {
    await stop(stack);
    await Promise.all(receivers.map((entry) => entry.stop()));
  }
}

/** A loopback webhook receiver answering the n-th request of each webhook-id with `answer(n)`. */
async function receiver(answer: (attempt: number) => number) {
  const seen = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const id = String(request.headers['webhook-id'] ?? '');
      const attempt = (seen.get(id) ?? 0) + 1;
      seen.set(id, attempt);
      response.writeHead(answer(attempt)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')}: exit ${code}`)),
    );
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

main().catch((error: Error) => {
  console.error(`console:screenshots failed: ${error.message}`);
  process.exit(1);
});
