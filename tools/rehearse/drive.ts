import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type {
  APIGatewayProxyStructuredResultV2,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  ScheduledEvent,
  SQSBatchResponse,
  SQSRecord,
} from 'aws-lambda';
import { AGORA_DEV_APP, agoraSample } from '../../fixtures/agora-samples';
import { DEV_APPS_FILE, devKeyFor } from '../../fixtures/dev-apps';
import { LIVEKIT_DEV_APP, liveKitSample } from '../../fixtures/livekit-samples';
import {
  DEV_APPS,
  type Sample,
  SEED_000,
  SEED_001,
  SEED_003,
  SEED_GME_TASK_ID,
  SEED_SPARKRTC_JOB_ID,
  SEED_TRTC_TASK_ID,
  trtcBody,
} from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import { RECORDING_EVENT_SOURCE, RECORDING_EVENT_TYPES } from '../../lib/model/recording-event';
import { UNFINISHED_STATUSES } from '../../lib/model/recording-state';
import { isNewEventRecord } from '../../lib/project/stream-handler';
import { isAnnouncementRecord } from '../../lib/publish/stream-handler';
import type { SweepReport } from '../../lib/sweep/sweep';
import { toApiGatewayEvent } from '../../local/api-gateway-event';
import { StreamPoller } from '../../local/stream-poller';
import { REHEARSAL_CREDENTIALS, REHEARSAL_REGION, type RehearsalClients } from './aws';
import { expectEqual, passed, RehearsalError } from './check';
import { type Deployment, FUNCTION_NAMES, type FunctionName } from './check-stack';
import { driveConsole } from './console';
import { LambdaProcess } from './lambda-process';
import { runCommand } from './processes';
import { driveWebhooks, WEBHOOK_ENDPOINT_ID } from './webhooks';

const TRTC_TASK_ID = 'rehearsal-trtc-task-0001';
const AGORA_SID = 'rehearsalAgoraSid0000000000000001';
const LIVEKIT_EGRESS_ID = 'EG_rehearsal000001';
const TRTC_ROOM_ID = '635055';
const RECEIVE_TIMEOUT_MS = 15_000;
/**
 * The sweep's threshold for its second process: 0.36 s, so the recordings driven a few seconds
 * earlier are stale without waiting the deployed 6 h. Publish and query keep the deployed 6 h, so
 * `detail.stale` in the rehearsal's `Recording Stale` events is false; the events are not checked on it.
 */
const REHEARSAL_STALE_AFTER_HOURS = '0.0001';

const isUnfinished = (status: string) => (UNFINISHED_STATUSES as readonly string[]).includes(status);

interface RehearsalCallback {
  readonly sample: Sample;
  /** The vendor's success answer (README, "Routes and answers"). */
  readonly answer: unknown;
  readonly recording: { readonly platform: string; readonly appId: string; readonly taskId: string };
  readonly status: string;
}

/** One signed callback per vendor, each the first event of its recording (README, "Status rules" gives the status). */
const CALLBACKS: readonly RehearsalCallback[] = [
  {
    // Chat with an imToken, so its Sign is checked: the vendor's Chat recording sample, the 305 relayed by Chat.
    sample: { ...SEED_000, appId: DEV_APPS.trtcSigned },
    answer: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' },
    recording: { platform: 'trtc', appId: DEV_APPS.trtcSigned, taskId: SEED_TRTC_TASK_ID },
    status: 'completed',
  },
  {
    sample: {
      name: 'trtc-301',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: trtcBody(301, { taskId: TRTC_TASK_ID, roomId: TRTC_ROOM_ID }),
    },
    answer: { code: 0 },
    recording: { platform: 'trtc', appId: DEV_APPS.trtc, taskId: TRTC_TASK_ID },
    status: 'recording',
  },
  {
    sample: SEED_001,
    answer: { code: 0 },
    recording: { platform: 'gme', appId: DEV_APPS.gme, taskId: SEED_GME_TASK_ID },
    status: 'recording',
  },
  {
    sample: SEED_003,
    answer: { status: 1, result: 'success' },
    recording: { platform: 'sparkrtc', appId: DEV_APPS.sparkrtc, taskId: SEED_SPARKRTC_JOB_ID },
    status: 'recording',
  },
  {
    sample: agoraSample('agora-40', {
      sid: AGORA_SID,
      eventType: 40,
      details: { msgName: 'recorder_started', status: 0 },
    }),
    answer: { code: 0 },
    recording: { platform: 'agora', appId: AGORA_DEV_APP, taskId: AGORA_SID },
    status: 'recording',
  },
  {
    sample: liveKitSample('livekit-ended', {
      egressId: LIVEKIT_EGRESS_ID,
      event: 'egress_ended',
      status: 'EGRESS_COMPLETE',
      id: 'EV_rehearsal0001',
      file: `recordings/${LIVEKIT_EGRESS_ID}.mp4`,
    }),
    answer: { code: 0 },
    recording: { platform: 'livekit', appId: LIVEKIT_DEV_APP, taskId: LIVEKIT_EGRESS_ID },
    status: 'completed',
  },
];

export interface DriveOptions {
  readonly endpoint: string;
  /** A temporary folder for the bundles. */
  readonly workDir: string;
  readonly env: NodeJS.ProcessEnv;
}

type Lambdas = Record<FunctionName, LambdaProcess>;

/**
 * Runs the deployed bundles, not the TypeScript: each function's zip from the deployment bucket,
 * loaded as Lambda loads it, with the environment the stack gave it; signed callbacks go through
 * ingest → the queue → process → the table → project and publish → the bus; the sweep finds the
 * unfinished ones stale, through process and publish again; then query reads it all.
 */
export async function driveArtifacts(
  clients: RehearsalClients,
  deployment: Deployment,
  options: DriveOptions,
): Promise<void> {
  const taskRoots = await unpackBundles(clients, deployment, options);
  await putAppsDocument(clients, deployment.functions.ingest.environment.RECORDING_APPS_PARAMETER ?? '');
  // moto cannot run a function without Docker: with the mapping on, every SendMessage makes it
  // try, fail and count a receive, which sends callbacks to the DLQ. The rehearsal is the poller.
  const mappings = [
    deployment.mappingId,
    deployment.streamMappingId,
    deployment.publishMappingId,
    ...deployment.webhooks.mappingIds,
  ];
  for (const UUID of mappings) {
    await clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: false }));
  }
  passed(
    `the ${mappings.length} event source mappings disabled in moto (it cannot invoke without Docker): the rehearsal polls instead`,
  );

  const platformEnvironment = {
    AWS_REGION: REHEARSAL_REGION,
    AWS_DEFAULT_REGION: REHEARSAL_REGION,
    AWS_ACCESS_KEY_ID: REHEARSAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: REHEARSAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: options.endpoint,
    // Ingest sends to the queue URL's own host (sqs.<region>.amazonaws.com) unless this one is set.
    AWS_ENDPOINT_URL_SQS: options.endpoint,
  };
  const started: { label: string; lambda: LambdaProcess }[] = [];
  const start = async (name: FunctionName, overrides?: Record<string, string>) => {
    const lambda = await LambdaProcess.start({
      fn: deployment.functions[name],
      taskRoot: taskRoots[name],
      platformEnvironment,
      overrides,
    });
    started.push({ label: overrides ? `${name} ${JSON.stringify(overrides)}` : name, lambda });
    return lambda;
  };
  const streams = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: REHEARSAL_REGION,
    credentials: REHEARSAL_CREDENTIALS,
  });
  try {
    const lambdas = {} as Lambdas;
    for (const name of FUNCTION_NAMES) lambdas[name] = await start(name);
    passed(`${FUNCTION_NAMES.join(', ')} loaded from their bundles by handler name, one process each`);
    // Kept across passes, as the mappings keep their place: each pass reads only what is new.
    const project = streamMapping(streams, deployment.streamArn, 'project', isNewEventRecord, lambdas.project);
    const publish = streamMapping(streams, deployment.streamArn, 'publish', isAnnouncementRecord, lambdas.publish);
    const eventsUrl = await ruleToQueue(clients, deployment);

    await sendCallbacks(lambdas.ingest);
    await processQueue(clients, deployment, lambdas.process, CALLBACKS.length);
    expectEqual('new event items on the stream', await project(), CALLBACKS.length);
    passed(
      `project: ${CALLBACKS.length} new event items from the table's stream folded into summaries, batchItemFailures []`,
    );
    await publishEvents(clients, deployment, publish, eventsUrl);

    const staleSweep = await start('sweep', { STALE_AFTER_HOURS: REHEARSAL_STALE_AFTER_HOURS });
    await sweepStale(clients, deployment, {
      ...lambdas,
      staleSweep,
      projectPass: project,
      publishPass: publish,
      eventsUrl,
    });
    await driveWebhooks(clients, deployment, lambdas, {
      // Every event published above, each put in the fan-out queue by the deployed rule.
      fanout: CALLBACKS.length + CALLBACKS.filter(({ status }) => isUnfinished(status)).length,
      target: { platform: 'trtc', appId: DEV_APPS.trtc, taskId: TRTC_TASK_ID, status: 'recording' },
    });
    await queryState(lambdas.query);
    await driveConsole(clients, deployment, lambdas, {
      endpoint: options.endpoint,
      trtcTaskId: TRTC_TASK_ID,
      webhookEndpointId: WEBHOOK_ENDPOINT_ID,
    });
  } catch (error) {
    const logs = started.map(({ label, lambda }) => `--- ${label} logs ---\n${lambda.logs.slice(-4_000)}`);
    if (error instanceof Error) error.message += `\n${logs.join('\n')}`;
    throw error;
  } finally {
    streams.destroy();
    await Promise.all(started.map(({ lambda }) => lambda.stop()));
  }
}

async function unpackBundles(
  clients: RehearsalClients,
  deployment: Deployment,
  options: DriveOptions,
): Promise<Record<FunctionName, string>> {
  const roots = {} as Record<FunctionName, string>;
  for (const name of FUNCTION_NAMES) {
    const fn = deployment.functions[name];
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: fn.code.bucket, Key: fn.code.key }));
    const zip = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    expectEqual(`${name} bundle SHA-256`, createHash('sha256').update(zip).digest('base64'), fn.codeSha256);
    const zipPath = join(options.workDir, `${name}.zip`);
    const root = join(options.workDir, name);
    writeFileSync(zipPath, zip);
    const unzip = await runCommand('python3', ['-m', 'zipfile', '-e', zipPath, root], {
      env: options.env,
      timeoutMs: 60_000,
    });
    if (unzip.code !== 0) throw new RehearsalError(`cannot unzip ${fn.code.key}:\n${unzip.output}`);
    const files = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1));
    roots[name] = root;
    passed(
      `${name}: s3://${fn.code.bucket}/${fn.code.key.split('/').slice(-2).join('/')} ` +
        `(${(zip.length / 1024).toFixed(0)} KiB, SHA-256 = the function's CodeSha256): ${files.sort().join(', ')}`,
    );
  }
  return roots;
}

async function putAppsDocument(clients: RehearsalClients, name: string): Promise<void> {
  await clients.ssm.send(
    new PutParameterCommand({
      Name: name,
      Type: 'SecureString',
      Value: readFileSync(DEV_APPS_FILE, 'utf8'),
      Overwrite: true,
    }),
  );
  passed(`${DEV_APPS_FILE} (dev keys) put in SSM as the SecureString ${name}`);
}

async function sendCallbacks(ingest: LambdaProcess): Promise<void> {
  for (const callback of CALLBACKS) {
    const { sample } = callback;
    const request = signTestRequest(sample, { key: await devKeyFor(sample) });
    const event = toApiGatewayEvent({
      method: 'POST',
      rawPath: `/callbacks/${sample.endpoint}`,
      rawQueryString: request.rawQueryString,
      headers: request.headers as Record<string, string>,
      body: request.body ?? '',
    });
    const answer = (await ingest.invoke(event)) as APIGatewayProxyStructuredResultV2;
    expectEqual(
      `ingest answer to ${sample.endpoint}`,
      { statusCode: answer.statusCode, body: parse(answer.body) },
      {
        statusCode: 200,
        body: callback.answer,
      },
    );
    passed(`ingest ${sample.endpoint} (signed, ${sample.name}): 200 ${answer.body}`);
  }
}

/**
 * Receives exactly `expected` messages from the callbacks queue and runs them through the process
 * bundle, as the SQS event source mapping would; returns their bodies.
 */
async function processQueue(
  clients: RehearsalClients,
  deployment: Deployment,
  process: LambdaProcess,
  expected: number,
): Promise<unknown[]> {
  const messages = [];
  const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
  while (messages.length < expected && Date.now() < deadline) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deployment.queueUrl,
        MaxNumberOfMessages: Math.min(10, deployment.batchSize),
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
  }
  expectEqual('messages queued', messages.length, expected);
  if (expected > 0) passed(`${messages.length} messages received from the queue`);
  for (let start = 0; start < messages.length; start += deployment.batchSize) {
    const batch = messages.slice(start, start + deployment.batchSize);
    // The SQS event as the event source mapping builds it from the received messages.
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
          eventSourceARN: deployment.queueArn,
          awsRegion: REHEARSAL_REGION,
        }) as SQSRecord,
    );
    const response = (await process.invoke({ Records: records })) as SQSBatchResponse;
    expectEqual('process batch item failures', response.batchItemFailures, []);
    // As the mapping does after a batch without failures.
    await clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: deployment.queueUrl,
        Entries: batch.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
    passed(`process: a batch of ${batch.length} applied, batchItemFailures [], messages deleted`);
  }
  for (const [what, url] of [
    ['queue', deployment.queueUrl],
    ['dead-letter queue', deployment.deadLetterQueueUrl],
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
  passed('queue and dead-letter queue empty');
  return messages.map((message) => parse(message.Body));
}

/**
 * A stream mapping's local stand-in: the table's stream in moto, read by the local stream event
 * source mapping (local/stream-poller.ts, with the deployed mapping's filter), each batch handed to
 * the deployed bundle. Each call drains what is new and says how many records reached the bundle.
 */
function streamMapping(
  client: DynamoDBStreamsClient,
  streamArn: string,
  name: FunctionName,
  filter: (record: DynamoDBRecord) => boolean,
  lambda: LambdaProcess,
): () => Promise<number> {
  let records = 0;
  const poller = new StreamPoller({
    client,
    streamArn,
    filter,
    maxRetryAttempts: 0,
    onDiscard: (failed) => {
      throw new RehearsalError(`${name} failed on ${failed.length} stream records`);
    },
    handler: async (event) => {
      records += event.Records.length;
      const response = (await lambda.invoke(event)) as DynamoDBBatchResponse;
      expectEqual(`${name} batch item failures`, response.batchItemFailures, []);
      return response;
    },
  });
  return async () => {
    records = 0;
    await poller.drain(RECEIVE_TIMEOUT_MS);
    return records;
  };
}

/** A rule on the deployed bus delivering every recording event, whatever its detail-type, to an SQS queue. */
async function ruleToQueue(clients: RehearsalClients, deployment: Deployment): Promise<string> {
  const { QueueUrl: url = '' } = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'rehearsal-events' }));
  const { Attributes: target = {} } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  await clients.events.send(
    new PutRuleCommand({
      Name: 'rehearsal-all-recording-events',
      EventBusName: deployment.eventBusName,
      EventPattern: JSON.stringify({ source: [RECORDING_EVENT_SOURCE] }),
      State: 'ENABLED',
    }),
  );
  await clients.events.send(
    new PutTargetsCommand({
      Rule: 'rehearsal-all-recording-events',
      EventBusName: deployment.eventBusName,
      Targets: [{ Id: 'queue', Arn: target.QueueArn }],
    }),
  );
  return url;
}

type DeliveredEvent = {
  'detail-type': string;
  detail: { taskId: string; status: string; previousStatus: string | null };
};

/** The events the rule delivered, as `<detail-type> <taskId> <previous> → <status>`, sorted; waits for `expected` of them. */
async function receiveEvents(clients: RehearsalClients, url: string, expected: number): Promise<string[]> {
  const received: DeliveredEvent[] = [];
  const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
  do {
    const { Messages = [] } = await clients.sqs.send(
      // moto's bus delivers within PutEvents: when nothing more is due, what is there is all there is.
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: received.length < expected ? 1 : 0,
      }),
    );
    received.push(...Messages.map((message) => JSON.parse(message.Body ?? '{}') as DeliveredEvent));
    if (Messages.length > 0) {
      await clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
  } while (received.length < expected && Date.now() < deadline);
  return received
    .map(
      (event) =>
        `${event['detail-type']} ${event.detail.taskId} ${event.detail.previousStatus} → ${event.detail.status}`,
    )
    .sort();
}

/**
 * The summary versions on moto's stream (the deployed publish mapping's filter) through the deployed
 * publish bundle into moto's EventBridge: one `Recording Status Changed` per recording must reach the queue.
 */
async function publishEvents(
  clients: RehearsalClients,
  deployment: Deployment,
  publishPass: () => Promise<number>,
  eventsUrl: string,
): Promise<void> {
  const versions = await publishPass();
  expectEqual(
    'events the rule delivered',
    await receiveEvents(clients, eventsUrl, CALLBACKS.length),
    CALLBACKS.map(
      ({ recording, status }) => `${RECORDING_EVENT_TYPES.statusChanged} ${recording.taskId} null → ${status}`,
    ).sort(),
  );
  passed(
    `publish: ${versions} summary versions from the stream → ${CALLBACKS.length} Recording Status Changed on bus ` +
      `${deployment.eventBusName}, delivered by a rule to SQS`,
  );
}

interface SweepRun {
  readonly sweep: LambdaProcess;
  /** The same bundle with the rehearsal's threshold. */
  readonly staleSweep: LambdaProcess;
  readonly process: LambdaProcess;
  readonly projectPass: () => Promise<number>;
  readonly publishPass: () => Promise<number>;
  readonly eventsUrl: string;
}

/**
 * The lost-callback sweep (README, "Lost callbacks") as its schedule runs it. With the deployed threshold (6 h)
 * nothing is stale yet; with 0.36 s, each unfinished recording is, and only those: the sweep queues
 * one stale notice each (and no vendor query: the dev apps have no `api` credentials), process
 * writes it, the projector ignores it (not an event), publish announces `Recording Stale`. A second
 * run in the same quiet period announces nothing.
 */
async function sweepStale(clients: RehearsalClients, deployment: Deployment, run: SweepRun): Promise<void> {
  const appCount = (JSON.parse(readFileSync(DEV_APPS_FILE, 'utf8')) as { apps: unknown[] }).apps.length;
  const unfinished = CALLBACKS.filter(({ status }) => isUnfinished(status));
  const completed = CALLBACKS.filter((callback) => !unfinished.includes(callback));
  const sweepOnce = async (sweep: LambdaProcess) => {
    const { apps, swept, noticed, vendorQueries, failures, stoppedEarly } = (await sweep.invoke(
      scheduledEvent(deployment),
    )) as SweepReport;
    return { apps, swept, noticed, vendorQueries, failures, stoppedEarly };
  };
  const expectedReport = (swept: number, noticed: number) => ({
    apps: appCount,
    swept,
    noticed,
    vendorQueries: 0,
    failures: 0,
    stoppedEarly: false,
  });
  const keyOf = ({ platform, appId, taskId }: Record<string, unknown>) => `${platform}/${appId}/${taskId}`;

  expectEqual('sweep with the deployed threshold', await sweepOnce(run.sweep), expectedReport(0, 0));
  await processQueue(clients, deployment, run.process, 0);
  passed(
    `sweep (deployed environment, STALE_AFTER_HOURS=${deployment.functions.sweep.environment.STALE_AFTER_HOURS}): ` +
      `${appCount} apps, nothing stale, nothing queued`,
  );

  expectEqual(
    'sweep with the rehearsal threshold',
    await sweepOnce(run.staleSweep),
    expectedReport(unfinished.length, unfinished.length),
  );
  passed(
    `sweep (STALE_AFTER_HOURS=${REHEARSAL_STALE_AFTER_HOURS}): the ${unfinished.length} unfinished recordings stale, ` +
      'one notice each queued; no vendor query (no dev app has api credentials)',
  );
  const notices = (await processQueue(clients, deployment, run.process, unfinished.length)) as Record<
    string,
    unknown
  >[];
  expectEqual(
    'messages the sweep queued',
    notices.map((notice) => `v${notice.version} ${notice.kind} ${keyOf(notice)} ${typeof notice.quietSince}`).sort(),
    unfinished.map(({ recording }) => `v1 stale ${keyOf(recording)} number`).sort(),
  );
  // A notice is bookkeeping, not an event: the projector's filter lets none through.
  expectEqual('stale notices reaching project', await run.projectPass(), 0);
  expectEqual('stale notices reaching publish', await run.publishPass(), unfinished.length);
  expectEqual(
    'events the rule delivered after the sweep',
    await receiveEvents(clients, run.eventsUrl, unfinished.length),
    unfinished
      .map(({ recording, status }) => `${RECORDING_EVENT_TYPES.stale} ${recording.taskId} ${status} → ${status}`)
      .sort(),
  );
  passed(
    `process wrote ${unfinished.length} stale notices, project got none, publish announced them: Recording Stale ` +
      `for ${unfinished.map(({ recording }) => recording.taskId).join(', ')}; none for the completed ` +
      completed.map(({ recording }) => recording.taskId).join(', '),
  );

  expectEqual(
    'second sweep in the same quiet period',
    await sweepOnce(run.staleSweep),
    expectedReport(unfinished.length, 0),
  );
  await processQueue(clients, deployment, run.process, 0);
  expectEqual('stream records for publish after the second sweep', await run.publishPass(), 0);
  expectEqual('events the rule delivered after the second sweep', await receiveEvents(clients, run.eventsUrl, 0), []);
  passed(
    `second sweep: the ${unfinished.length} recordings still stale but noticed in this quiet period: nothing queued, nothing announced`,
  );
}

/** What EventBridge hands the sweep on each `rate(…)` tick. */
function scheduledEvent(deployment: Deployment): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: deployment.sweepScheduleArn.split(':')[4] ?? '',
    time: new Date().toISOString(),
    region: REHEARSAL_REGION,
    resources: [deployment.sweepScheduleArn],
    detail: {},
  };
}

async function queryState(query: LambdaProcess): Promise<void> {
  const get = async (rawPath: string) => {
    const answer = (await query.invoke(
      toApiGatewayEvent({ method: 'GET', rawPath }),
    )) as APIGatewayProxyStructuredResultV2;
    return { statusCode: answer.statusCode, body: parse(answer.body) as Record<string, unknown> };
  };
  for (const { recording, status } of CALLBACKS) {
    const path = `/recordings/${recording.platform}/${recording.appId}/${encodeURIComponent(recording.taskId)}`;
    const answer = await get(path);
    const { platform, appId, taskId, eventCount } = answer.body;
    expectEqual(
      `GET ${path}`,
      { statusCode: answer.statusCode, platform, appId, taskId, status: answer.body.status, eventCount },
      { statusCode: 200, ...recording, status, eventCount: 1 },
    );
    passed(`query GET ${path}: 200 ${status}, 1 event, taskId exact`);
  }
  const roomPath = `/rooms/trtc/${DEV_APPS.trtc}/${TRTC_ROOM_ID}`;
  const room = await get(roomPath);
  const listed = (room.body.recordings as { taskId: string }[] | undefined)?.map((recording) => recording.taskId);
  expectEqual(`GET ${roomPath}`, { statusCode: room.statusCode, listed }, { statusCode: 200, listed: [TRTC_TASK_ID] });
  passed(`query GET ${roomPath}: 200, lists ${TRTC_TASK_ID} (the byRoom index)`);
  const listPath = `/recordings/trtc/${DEV_APPS.trtc}?status=recording`;
  const [listRawPath, listQuery] = listPath.split('?') as [string, string];
  const listed2 = parse(
    (
      (await query.invoke(
        toApiGatewayEvent({ method: 'GET', rawPath: listRawPath, rawQueryString: listQuery }),
      )) as APIGatewayProxyStructuredResultV2
    ).body,
  ) as { recordings?: { taskId: string }[] };
  expectEqual(
    `GET ${listPath}`,
    listed2.recordings?.map((recording) => recording.taskId),
    [TRTC_TASK_ID],
  );
  passed(`query GET ${listPath}: lists ${TRTC_TASK_ID} (the byTime index)`);
  const timelinePath = `/recordings/trtc/${DEV_APPS.trtc}/${TRTC_TASK_ID}/events`;
  const timeline = await get(timelinePath);
  expectEqual(
    `GET ${timelinePath}`,
    (timeline.body.events as { eventType: string }[] | undefined)?.map((event) => event.eventType),
    ['301'],
  );
  passed(`query GET ${timelinePath}: the one event, 301 (the byTime index)`);
  const sparkFiles = `/recordings/sparkrtc/${DEV_APPS.sparkrtc}/${SEED_SPARKRTC_JOB_ID}/files`;
  const files = await get(sparkFiles);
  expectEqual(
    `GET ${sparkFiles}`,
    { count: (files.body.files as unknown[] | undefined)?.length, next: files.body.nextCursor },
    { count: 1, next: null },
  );
  passed(`query GET ${sparkFiles}: 1 file item, no further page`);
  const unknownPath = `/recordings/trtc/${DEV_APPS.trtc}/no-such-task`;
  expectEqual(`GET ${unknownPath}`, (await get(unknownPath)).statusCode, 404);
  passed(`query GET ${unknownPath}: 404`);
}

function parse(body: string | undefined): unknown {
  try {
    return JSON.parse(body ?? '');
  } catch {
    return body;
  }
}
