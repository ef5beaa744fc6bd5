/**
 * npm run bench:events [-- --recordings N] [--workers N]
 *
 * Publication latency of recording events on the local stack (`npm start`'s code, in this process):
 * from the moment a signed TRTC callback is acknowledged by ingest over HTTP, to the moment the
 * `Recording Status Changed` it causes is POSTed to RECORDING_EVENTS_URL (a receiver here). Each
 * recording goes 301 → 302 → 305 (three changes), each callback sent once the previous event
 * arrived; `--workers` recordings run at once. See BENCHMARKS.md, "Recording events".
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { DEV_APPS_FILE, devKeyFor } from '../fixtures/dev-apps';
import { DEV_APPS, type Sample, trtcBody } from '../fixtures/samples';
import { signTestRequest } from '../fixtures/sign-test-request';
import { median, percentile, round } from '../fixtures/stats';
import { findFreePort } from '../local/free-port';
import type { EventBridgeEnvelope } from '../local/http-event-publisher';
import { startLocalStack } from '../local/local-stack';

const STEPS: [number, Record<string, unknown>, string][] = [
  [301, { Status: 0 }, 'recording'],
  [302, { LeaveCode: 0 }, 'stopped'],
  [305, { Status: 0 }, 'completed'],
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { recordings: { type: 'string', default: '100' }, workers: { type: 'string', default: '4' } },
  });
  const recordings = Number(values.recordings);
  const workers = Number(values.workers);
  const waiting = new Map<string, (at: number) => void>();
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      const { detail } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as EventBridgeEnvelope;
      waiting.get(`${detail.taskId}#${detail.status}`)?.(at);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const stack = await startLocalStack({
    port: await findFreePort(),
    appsFile: DEV_APPS_FILE,
    eventsUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`,
  });
  const latencies: number[] = [];
  try {
    const run = Date.now().toString(36);
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < recordings; index = next++) {
        const taskId = `latency-${run}-${index}`;
        for (const [eventType, payload, status] of STEPS) {
          const sample: Sample = {
            name: 'latency',
            endpoint: 'tencent-trtc',
            appId: DEV_APPS.trtc,
            body: trtcBody(eventType, { taskId, payload }),
          };
          const signed = signTestRequest(sample, { key: await devKeyFor(sample) });
          const arrived = new Promise<number>((resolve) => waiting.set(`${taskId}#${status}`, resolve));
          const answer = await fetch(`${stack.url}/callbacks/${signed.endpoint}?${signed.rawQueryString}`, {
            method: 'POST',
            headers: signed.headers as Record<string, string>,
            body: signed.body,
          });
          const acknowledged = performance.now();
          if (answer.status !== 200) throw new Error(`ingest answered ${answer.status}`);
          latencies.push((await arrived) - acknowledged);
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    await stack.stop();
    receiver.close();
  }
  const figures = {
    statusChanges: latencies.length,
    workers,
    medianMs: round(median(latencies), 1),
    p90Ms: round(percentile(latencies, 90), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    maxMs: round(Math.max(...latencies), 1),
  };
  console.log(JSON.stringify(figures));
  console.log(
    `| status changes | concurrent recordings | median | p90 | p99 | max |\n|---|---|---|---|---|---|\n| ${figures.statusChanges} | ${workers} | ${figures.medianMs} ms | ${figures.p90Ms} ms | ${figures.p99Ms} ms | ${figures.maxMs} ms |`,
  );
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`bench:events failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
