import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { RECORDING_EVENT_SOURCE, RECORDING_EVENT_TYPES } from '../../lib/model/recording-event';
import { toApiGatewayEvent } from '../../local/api-gateway-event';
import { REHEARSAL_REGION, type RehearsalClients } from './aws';
import { expectEqual, expectTrue, passed, RehearsalError } from './check';
import type { Deployment } from './check-stack';
import type { LambdaProcess } from './lambda-process';

export const WEBHOOK_ENDPOINT_ID = 'rehearsal-receiver';
const ENDPOINT_ID = WEBHOOK_ENDPOINT_ID;
const RECEIVE_TIMEOUT_MS = 15_000;

/** One POST the loopback receiver got. */
interface Received {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The one recording whose status change the rehearsal's endpoint subscribes to (by its filters). */
export interface WebhookTarget {
  readonly platform: 'trtc';
  readonly appId: string;
  readonly taskId: string;
  readonly status: string;
}

/** A receiver on a free loopback port that records each request and answers 204, as a consumer would. */
async function startReceiver() {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, [value].flat().join(', ')]),
        ),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(request.method === 'POST' ? 204 : 405).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Receives exactly `expected` messages (waiting up to 15 s for them, then 1 s for any extra one). */
async function receiveAll(clients: RehearsalClients, queueUrl: string, expected: number): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
  do {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
  } while (messages.length < expected && Date.now() < deadline);
  expectEqual(`messages in ${queueUrl.split('/').pop()}`, messages.length, expected);
  return messages;
}

/** The SQS event deliver's event source mapping builds from received messages, then deletes them as it would. */
async function deliverBatch(
  clients: RehearsalClients,
  deliver: LambdaProcess,
  queue: { url: string; arn: string },
  messages: readonly Message[],
): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages.slice(start, start + 10);
    const records = batch.map(
      (message) =>
        ({
          messageId: message.MessageId,
          receiptHandle: message.ReceiptHandle,
          body: message.Body,
          attributes: message.Attributes,
          messageAttributes: {},
          md5OfBody: message.MD5OfBody,
          eventSource: 'aws:sqs',
          eventSourceARN: queue.arn,
          awsRegion: REHEARSAL_REGION,
        }) as SQSRecord,
    );
    const response = (await deliver.invoke({ Records: records })) as SQSBatchResponse;
    expectEqual('deliver batch item failures', response.batchItemFailures, []);
    await clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: batch.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
  }
}

/** Whether `standardwebhooks` (as a consumer runs it) accepts the request for this secret. */
function verifies(secret: string, request: Received): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
}

type Envelope = { source?: string; 'detail-type'?: string; detail?: Record<string, unknown> };

/**
 * Signed webhooks through the deployed deliverer (README, "Signed webhooks"): a webhooks document with
 * one endpoint on a loopback receiver goes into the deployed SSM parameter (SecureString); the events
 * the deployed rule put in the fan-out queue (moto's EventBridge delivers to SQS targets) go through the
 * deliver bundle, which queues one delivery for the one event the endpoint's filters match; that
 * delivery goes through deliver again, which POSTs it. The receiver checks it with the
 * `standardwebhooks` library, and the deployed webhooks function shows it `succeeded` in the delivery
 * log (moto's DynamoDB); a resend arrives with the same webhook-id. The secret is never printed.
 */
export async function driveWebhooks(
  clients: RehearsalClients,
  deployment: Deployment,
  lambdas: { readonly deliver: LambdaProcess; readonly webhooks: LambdaProcess },
  expected: { readonly fanout: number; readonly target: WebhookTarget },
): Promise<void> {
  const queues = deployment.webhooks;
  const receiver = await startReceiver();
  try {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const parameterName = deployment.functions.deliver.environment.RECORDING_WEBHOOKS_PARAMETER ?? '';
    expectEqual(
      "the webhooks function's parameter",
      deployment.functions.webhooks.environment.RECORDING_WEBHOOKS_PARAMETER,
      parameterName,
    );
    const { target } = expected;
    await clients.ssm.send(
      new PutParameterCommand({
        Name: parameterName,
        Type: 'SecureString',
        Overwrite: true,
        Value: JSON.stringify({
          endpoints: [
            {
              id: ENDPOINT_ID,
              url: receiver.url,
              secrets: [secret],
              types: ['recording.status_changed'],
              platforms: [target.platform],
              appIds: [target.appId],
            },
          ],
        }),
      }),
    );
    passed(
      `webhooks document put in SSM as the SecureString ${parameterName}: endpoint ${ENDPOINT_ID} → ${receiver.url} ` +
        `(a fresh whsec_ secret, not shown), recording.status_changed of ${target.platform}/${target.appId} only`,
    );

    // The rule's deliveries: every recording event published so far, as EventBridge envelopes.
    const fanout = await receiveAll(clients, queues.fanoutQueueUrl, expected.fanout);
    const envelopes = fanout.map((message) => JSON.parse(message.Body ?? '{}') as Envelope);
    for (const envelope of envelopes) {
      expectEqual('fan-out message source', envelope.source, RECORDING_EVENT_SOURCE);
    }
    const targetEnvelopes = envelopes.filter(
      (envelope) =>
        envelope['detail-type'] === RECORDING_EVENT_TYPES.statusChanged &&
        envelope.detail?.platform === target.platform &&
        envelope.detail?.appId === target.appId,
    );
    expectEqual('status changes of the endpoint’s recording in the fan-out queue', targetEnvelopes.length, 1);
    const webhookId = String(targetEnvelopes[0]?.detail?.id);
    await deliverBatch(clients, lambdas.deliver, { url: queues.fanoutQueueUrl, arn: queues.fanoutQueueArn }, fanout);
    const deliveries = await receiveAll(clients, queues.deliveryQueueUrl, 1);
    const delivery = JSON.parse(deliveries[0]?.Body ?? '{}') as { endpointId?: string; webhookId?: string };
    expectEqual(
      'the delivery message',
      { endpointId: delivery.endpointId, webhookId: delivery.webhookId },
      { endpointId: ENDPOINT_ID, webhookId },
    );
    expectEqual('POSTs before the delivery is attempted', receiver.received.length, 0);
    passed(
      `deliver (fan-out): the ${fanout.length} events the deployed rule put in the fan-out queue → 1 delivery message ` +
        `(${ENDPOINT_ID}, webhook-id = detail.id ${webhookId}); the other ${fanout.length - 1} match no endpoint`,
    );

    const delivery1 = { url: queues.deliveryQueueUrl, arn: queues.deliveryQueueArn };
    await deliverBatch(clients, lambdas.deliver, delivery1, deliveries);
    expectEqual('POSTs the receiver got', receiver.received.length, 1);
    const [post] = receiver.received as [Received];
    expectEqual('webhook-id', post.headers['webhook-id'], webhookId);
    expectTrue('the signature verifies (standardwebhooks Webhook.verify)', verifies(secret, post), 'refused');
    const payload = new Webhook(secret).verify(post.body, post.headers) as {
      type: string;
      data: Record<string, unknown>;
    };
    expectEqual(
      'the verified payload',
      {
        type: payload.type,
        platform: payload.data.platform,
        appId: payload.data.appId,
        taskId: payload.data.taskId,
        status: payload.data.status,
      },
      { type: 'recording.status_changed', ...target },
    );
    const tampered = { ...post, body: post.body.replace(`"${target.status}"`, '"completed"') };
    expectTrue('a tampered body is refused', tampered.body !== post.body && !verifies(secret, tampered), 'accepted');
    const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
    expectTrue('another secret is refused', !verifies(otherSecret, post), 'accepted');
    passed(
      `deliver (attempt): 1 POST to the loopback receiver, content-type ${post.headers['content-type']}, ` +
        `signature verified by standardwebhooks for the configured secret; a tampered body or another secret is refused`,
    );

    const get = async (rawQueryString: string) => {
      const answer = (await lambdas.webhooks.invoke(
        toApiGatewayEvent({ method: 'GET', rawPath: '/webhooks/deliveries', rawQueryString }),
      )) as APIGatewayProxyStructuredResultV2;
      if (String(answer.body).includes(secret)) throw new RehearsalError('a deliveries answer holds the secret');
      return {
        statusCode: answer.statusCode,
        deliveries: (JSON.parse(answer.body ?? '{}') as { deliveries?: Record<string, unknown>[] }).deliveries ?? [],
      };
    };
    const summary = (entry: Record<string, unknown> | undefined) => ({
      endpointId: entry?.endpointId,
      webhookId: entry?.webhookId,
      type: entry?.type,
      status: entry?.status,
      attempts: (entry?.attempts as { statusCode: number | null; error: string | null }[] | undefined)?.map(
        (attempt) => [attempt.statusCode, attempt.error],
      ),
      nextAttemptAt: entry?.nextAttemptAt,
    });
    const logged = {
      endpointId: ENDPOINT_ID,
      webhookId,
      type: 'recording.status_changed',
      status: 'succeeded',
      attempts: [[204, null]],
      nextAttemptAt: null,
    };
    const query = `endpoint=${ENDPOINT_ID}&status=succeeded`;
    const answer = await get(query);
    expectEqual(
      `GET /webhooks/deliveries?${query}`,
      { statusCode: answer.statusCode, entries: answer.deliveries.map(summary) },
      {
        statusCode: 200,
        entries: [logged],
      },
    );
    expectEqual(
      `GET /webhooks/deliveries?endpoint=${ENDPOINT_ID}&status=pending`,
      (await get(`endpoint=${ENDPOINT_ID}&status=pending`)).deliveries,
      [],
    );
    passed(
      `webhooks GET /webhooks/deliveries?${query}: 200, the delivery succeeded after 1 attempt (204), nothing pending; no secret in the answers`,
    );

    const resendPath = `/webhooks/deliveries/${ENDPOINT_ID}/${encodeURIComponent(webhookId)}/resend`;
    const resend = (await lambdas.webhooks.invoke(
      toApiGatewayEvent({ method: 'POST', rawPath: resendPath }),
    )) as APIGatewayProxyStructuredResultV2;
    expectEqual(`POST ${resendPath}`, resend.statusCode, 202);
    await deliverBatch(clients, lambdas.deliver, delivery1, await receiveAll(clients, queues.deliveryQueueUrl, 1));
    expectEqual('POSTs the receiver got after the resend', receiver.received.length, 2);
    const again = receiver.received[1] as Received;
    expectEqual(
      'the resent webhook',
      { id: again.headers['webhook-id'], body: again.body, verifies: verifies(secret, again) },
      { id: webhookId, body: post.body, verifies: true },
    );
    expectEqual('the delivery log after the resend', (await get(`endpoint=${ENDPOINT_ID}`)).deliveries.map(summary), [
      {
        ...logged,
        attempts: [
          [204, null],
          [204, null],
        ],
      },
    ]);
    passed(
      `webhooks POST ${resendPath}: 202; deliver POSTed it again, same webhook-id and body, verified; the log shows 2 attempts, succeeded`,
    );

    for (const [what, url] of [
      ['fan-out queue', queues.fanoutQueueUrl],
      ['delivery queue', queues.deliveryQueueUrl],
      ['webhook DLQ', queues.deadLetterQueueUrl],
    ] as const) {
      const { Attributes = {} } = await clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expectEqual(
        `${what} left`,
        [Attributes.ApproximateNumberOfMessages, Attributes.ApproximateNumberOfMessagesNotVisible],
        ['0', '0'],
      );
    }
    passed('webhook fan-out queue, delivery queue and DLQ empty');
  } finally {
    await receiver.stop();
  }
}
