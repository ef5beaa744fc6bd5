/**
 * npm run check:eventbridge-moto
 *
 * Our EventBridge adapter against a real EventBridge API: starts `moto_server` (Python moto, as the
 * deploy rehearsal uses) on a free loopback port, creates a bus, a rule for our source targeting
 * an SQS queue, publishes a `Recording Status Changed` through `EventBridgePublisher`, and receives
 * it from the queue. Not part of `npm test` (which must not need Python); the deploy rehearsal can
 * call `checkEventBridgeAgainst()` on its own moto_server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgePublisher } from '../lib/adapters/eventbridge-publisher';
import { RECORDING_EVENT_SOURCE, RECORDING_EVENT_TYPES, statusChangeOf } from '../lib/model/recording-event';
import { type OutboundEvent, publishStatusChanges } from '../lib/publish/publish-status-changes';
import { stopChild } from '../local/emulators';
import { findFreePort } from '../local/free-port';

const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const REGION = 'us-east-1';

export interface EventBridgeCheck {
  readonly busName: string;
  readonly published: number;
  /** The envelope the rule's SQS target received. */
  readonly received: Record<string, unknown>;
}

/**
 * On an EventBridge + SQS API at `endpoint` (moto_server): bus, rule on our source → SQS queue,
 * one event published through our adapter, received from the queue and compared. Throws on any
 * difference.
 */
export async function checkEventBridgeAgainst(endpoint: string): Promise<EventBridgeCheck> {
  const config = { endpoint, region: REGION, credentials: CREDENTIALS };
  const events = new EventBridgeClient(config);
  const sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
  try {
    const busName = `recordings-check-${Date.now().toString(36)}`;
    await events.send(new CreateEventBusCommand({ Name: busName }));
    const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${busName}-target` }));
    const { Attributes: attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await events.send(
      new PutRuleCommand({
        Name: 'all-recording-events',
        EventBusName: busName,
        EventPattern: JSON.stringify({ source: [RECORDING_EVENT_SOURCE] }),
        State: 'ENABLED',
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'all-recording-events',
        EventBusName: busName,
        Targets: [{ Id: 'queue', Arn: attributes?.QueueArn }],
      }),
    );

    const change = statusChangeOf(undefined, {
      platform: 'trtc',
      appId: '1400000001',
      taskId: 'moto-check-task',
      statusFacts: ['completed'],
      status: 'completed',
      eventCount: 5,
      eventTypes: { '301': 1, '305': 1 },
      fileCount: 1,
      roomId: '635055',
      startedAt: 1_752_580_000_000,
      updatedAt: 1_752_580_150_000,
      lastSequence: '4100000000000000000000005',
    });
    if (!change) throw new Error('no change to publish');
    const sent: OutboundEvent[] = [];
    const adapter = new EventBridgePublisher({ client: events, eventBusName: busName });
    const result = await publishStatusChanges([{ sequence: '1', change }], {
      publisher: {
        publish: async (batch) => {
          sent.push(...batch);
          return adapter.publish(batch);
        },
      },
      files: {
        listFiles: async () => ({
          files: [{ name: 'moto-check-task/index.m3u8', url: null, status: 'uploaded' }],
          nextCursor: null,
        }),
      },
      logger: { info: () => {}, warn: (message, fields) => console.error(message, fields) },
      maxAttempts: 1,
    });
    if (result.published !== 1) throw new Error('PutEvents did not accept the event');

    const deadline = Date.now() + 10_000;
    for (;;) {
      const { Messages: messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 1 }),
      );
      const [message] = messages;
      if (message?.Body) {
        const received = JSON.parse(message.Body) as Record<string, unknown>;
        const expected = JSON.stringify(sent[0]?.detail);
        if (JSON.stringify(received.detail) !== expected) throw new Error(`detail differs: ${message.Body}`);
        if (
          received['detail-type'] !== RECORDING_EVENT_TYPES.statusChanged ||
          received.source !== RECORDING_EVENT_SOURCE
        )
          throw new Error(`envelope differs: ${message.Body}`);
        return { busName, published: result.published, received };
      }
      if (Date.now() > deadline) throw new Error('the rule did not deliver the event to the queue in 10 s');
    }
  } finally {
    events.destroy();
    sqs.destroy();
  }
}

/** Starts moto_server on a free loopback port and waits until it answers. */
async function startMotoServer(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await findFreePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`moto_server could not start (is Python moto installed?): ${error.message}`)),
    );
    child.once('exit', (code) => reject(new Error(`moto_server exited with code ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = fetch(`${endpoint}/moto-api/`).then(
      () => true,
      () => false,
    );
    if (await Promise.race([up, failed])) return { endpoint, child };
    if (Date.now() > deadline) throw new Error('moto_server did not answer in 30 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main(): Promise<void> {
  const { endpoint, child } = await startMotoServer();
  try {
    const { busName, received } = await checkEventBridgeAgainst(endpoint);
    console.log(`moto_server pid ${child.pid} on ${endpoint}: bus ${busName}, rule → SQS queue`);
    console.log(
      `published 1 event through EventBridgePublisher, received from the queue:\n${JSON.stringify(received)}`,
    );
  } finally {
    await stopChild(child);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    () => process.exit(0),
    (error: Error) => {
      console.error(`check-eventbridge-moto failed: ${error.message}`);
      process.exit(1);
    },
  );
}
