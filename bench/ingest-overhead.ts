import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createSqsClient } from '../lib/adapters/sqs-callback-queue';
import { lowerCaseHeaders, parseQuery } from '../lib/http/callback-request';
import { encodeQueuedCallback } from '../lib/model/queued-callback';
import { ENDPOINTS, type Endpoint } from '../lib/platforms';
import { toApiGatewayEvent } from '../local/api-gateway-event';
import { devKeyFor } from '../test/helpers/dev-apps';
import { type Sample, SEED_000, SEED_001, SEED_003, trtcLifecycle } from '../test/helpers/samples';
import { signTestRequest } from '../test/helpers/sign-test-request';
import { median, percentile, round } from './stats';

export interface IngestFigures {
  endpoint: Endpoint;
  requests: number;
  ingestMedianMs: number;
  ingestP99Ms: number;
  sendMessageMedianMs: number;
  sendMessageP99Ms: number;
  /** Ingest median over bare SendMessage median. Goal ≤ 1.2. */
  ratio: number;
}

const SAMPLES: Record<Endpoint, Sample> = {
  'tencent-im': SEED_000,
  'tencent-trtc': trtcLifecycle('bench-task')[0] as Sample,
  'tencent-gme': SEED_001,
  'huawei-sparkrtc': SEED_003,
};

type IngestHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Ingest handler latency against a bare SendMessage of the same payload to the same queue, the two
 * interleaved request by request, in alternating order, so that drift on a shared machine hits both alike.
 */
export async function measureIngest(
  handler: IngestHandler,
  queueUrl: string,
  requestsPerEndpoint: number,
): Promise<IngestFigures[]> {
  const sqs = createSqsClient();
  const figures: IngestFigures[] = [];
  for (const endpoint of ENDPOINTS) {
    const sample = SAMPLES[endpoint];
    const key = await devKeyFor(sample);
    const ingestMs: number[] = [];
    const sendMs: number[] = [];
    const warmup = Math.min(100, Math.ceil(requestsPerEndpoint / 10));
    for (let i = 0; i < warmup + requestsPerEndpoint; i += 1) {
      // Signed fresh, outside the timing, as the vendor would.
      const request = signTestRequest(sample, { key });
      const event = toApiGatewayEvent({
        method: 'POST',
        rawPath: `/callbacks/${endpoint}`,
        rawQueryString: request.rawQueryString,
        headers: request.headers as Record<string, string>,
        body: request.body,
      });
      const payload = encodeQueuedCallback({
        version: 1,
        endpoint,
        appId: sample.appId,
        receivedAt: request.receivedAt,
        query: parseQuery(request.rawQueryString),
        headers: lowerCaseHeaders(request.headers),
        body: sample.body,
      });

      const timeIngest = async () => {
        const started = performance.now();
        const result = await handler(event);
        if (result.statusCode !== 200)
          throw new Error(`ingest answered ${result.statusCode} for ${endpoint}: ${result.body}`);
        return performance.now() - started;
      };
      const timeSend = async () => {
        const started = performance.now();
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: payload }));
        return performance.now() - started;
      };
      // Alternate which goes first, so neither pays for the other's after-effects every time.
      let ingestElapsed: number;
      let sendElapsed: number;
      if (i % 2 === 0) {
        ingestElapsed = await timeIngest();
        sendElapsed = await timeSend();
      } else {
        sendElapsed = await timeSend();
        ingestElapsed = await timeIngest();
      }
      if (i >= warmup) {
        ingestMs.push(ingestElapsed);
        sendMs.push(sendElapsed);
      }
    }
    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    figures.push({
      endpoint,
      requests: requestsPerEndpoint,
      ingestMedianMs: round(median(ingestMs), 3),
      ingestP99Ms: round(percentile(ingestMs, 99), 3),
      sendMessageMedianMs: round(median(sendMs), 3),
      sendMessageP99Ms: round(percentile(sendMs, 99), 3),
      ratio: round(median(ingestMs) / median(sendMs)),
    });
  }
  sqs.destroy();
  return figures;
}
