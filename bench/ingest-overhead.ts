import { PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { devKeyFor } from '../fixtures/dev-apps';
import { signTestRequest } from '../fixtures/sign-test-request';
import { median, percentile, round } from '../fixtures/stats';
import { createSqsClient, sendMessage } from '../lib/adapters/sqs-callback-queue';
import { lowerCaseHeaders, parseQuery } from '../lib/http/callback-request';
import { encodeQueuedCallback } from '../lib/model/queued-callback';
import { ENDPOINTS, type Endpoint } from '../lib/platforms';
import { toApiGatewayEvent } from '../local/api-gateway-event';
import { localClientConfig } from '../local/emulators';
import { INGEST_SAMPLES } from './ingest-samples';

export interface IngestFigures {
  endpoint: Endpoint;
  requests: number;
  ingestMedianMs: number;
  ingestP99Ms: number;
  sendMessageMedianMs: number;
  sendMessageP99Ms: number;
  /** Ingest median over bare SendMessage median. Goal ≤ 1.1. */
  ratio: number;
  /** The same SendMessage through the AWS SDK v3 client (what ingest used before), for reference. */
  sdkSendMessageMedianMs: number;
}

type IngestHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Ingest handler latency against a bare SendMessage of the same payload to the same queue through
 * the same client (signed JSON over fetch), and through the SDK for reference, the three interleaved
 * request by request, in rotating order, so that drift on a shared machine hits all alike.
 */
export async function measureIngest(
  handler: IngestHandler,
  queueUrl: string,
  requestsPerEndpoint: number,
): Promise<IngestFigures[]> {
  const sqs = createSqsClient(queueUrl);
  const sdk = new SQSClient(localClientConfig(process.env.AWS_ENDPOINT_URL_SQS as string));
  const figures: IngestFigures[] = [];
  for (const endpoint of ENDPOINTS) {
    const sample = INGEST_SAMPLES[endpoint];
    const key = await devKeyFor(sample);
    const ingestMs: number[] = [];
    const sendMs: number[] = [];
    const sdkMs: number[] = [];
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
        await sendMessage(sqs, queueUrl, payload);
        return performance.now() - started;
      };
      const timeSdkSend = async () => {
        const started = performance.now();
        await sdk.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: payload }));
        return performance.now() - started;
      };
      // Rotate which goes first, so none pays for another's after-effects every time.
      const timings = [timeIngest, timeSend, timeSdkSend];
      const elapsed: number[] = [0, 0, 0];
      for (let k = 0; k < timings.length; k += 1) {
        const index = (i + k) % timings.length;
        elapsed[index] = await (timings[index] as () => Promise<number>)();
      }
      if (i >= warmup) {
        ingestMs.push(elapsed[0] as number);
        sendMs.push(elapsed[1] as number);
        sdkMs.push(elapsed[2] as number);
      }
    }
    await sdk.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    figures.push({
      endpoint,
      requests: requestsPerEndpoint,
      ingestMedianMs: round(median(ingestMs), 3),
      ingestP99Ms: round(percentile(ingestMs, 99), 3),
      sendMessageMedianMs: round(median(sendMs), 3),
      sendMessageP99Ms: round(percentile(sendMs, 99), 3),
      ratio: round(median(ingestMs) / median(sendMs)),
      sdkSendMessageMedianMs: round(median(sdkMs), 3),
    });
  }
  sdk.destroy();
  return figures;
}
