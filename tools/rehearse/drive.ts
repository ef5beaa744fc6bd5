import { createHash } from 'node:crypto';
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
import type { APIGatewayProxyStructuredResultV2, DynamoDBBatchResponse, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { RECORDING_EVENT_SOURCE } from '../../lib/model/recording-event';
import { isNewEventRecord } from '../../lib/project/stream-handler';
import { isSummaryChangeRecord } from '../../lib/publish/stream-handler';
import { toApiGatewayEvent } from '../../local/api-gateway-event';
import { StreamPoller } from '../../local/stream-poller';
import { AGORA_DEV_APP, agoraSample } from '../../test/helpers/agora-samples';
import { DEV_APPS_FILE, devKeyFor } from '../../test/helpers/dev-apps';
import { LIVEKIT_DEV_APP, liveKitSample } from '../../test/helpers/livekit-samples';
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
} from '../../test/helpers/samples';
import { signTestRequest } from '../../test/helpers/sign-test-request';
import { REHEARSAL_CREDENTIALS, REHEARSAL_REGION, type RehearsalClients } from './aws';
import { expectEqual, passed, RehearsalError } from './check';
import { type Deployment, FUNCTION_NAMES, type FunctionName } from './check-stack';
import { LambdaProcess } from './lambda-process';
import { runCommand } from './processes';

const TRTC_TASK_ID = 'rehearsal-trtc-task-0001';
const AGORA_SID = 'rehearsalAgoraSid0000000000000001';
const LIVEKIT_EGRESS_ID = 'EG_rehearsal000001';
const TRTC_ROOM_ID = '635055';
const RECEIVE_TIMEOUT_MS = 15_000;

interface RehearsalCallback {
  readonly sample: Sample;
  /** The vendor's success answer (CONTRACT §2). */
  readonly answer: unknown;
  readonly recording: { readonly platform: string; readonly appId: string; readonly taskId: string };
  readonly status: string;
}

/** One signed callback per vendor, each the first event of its recording (CONTRACT §4 gives the status). */
const CALLBACKS: readonly RehearsalCallback[] = [
  {
    // Chat with an imToken, so its Sign is checked: seed 000, the 305 relayed by Chat.
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
 * ingest → the queue → process → the table → query.
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
  for (const UUID of [deployment.mappingId, deployment.streamMappingId, deployment.publishMappingId]) {
    await clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: false }));
  }
  passed(
    'the three event source mappings disabled in moto (it cannot invoke without Docker): the rehearsal polls instead',
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
  const started: LambdaProcess[] = [];
  try {
    const lambdas = {} as Lambdas;
    for (const name of FUNCTION_NAMES) {
      lambdas[name] = await LambdaProcess.start({
        fn: deployment.functions[name],
        taskRoot: taskRoots[name],
        platformEnvironment,
      });
      started.push(lambdas[name]);
    }
    passed(`${FUNCTION_NAMES.join(', ')} loaded from their bundles by handler name, one process each`);
    await sendCallbacks(lambdas.ingest);
    await processQueue(clients, deployment, lambdas.process);
    await projectStream(deployment, options.endpoint, lambdas.project);
    await publishEvents(clients, deployment, options.endpoint, lambdas.publish);
    await queryState(lambdas.query);
  } catch (error) {
    const logs = started.map((lambda, index) => `--- ${FUNCTION_NAMES[index]} logs ---\n${lambda.logs.slice(-4_000)}`);
    if (error instanceof Error) error.message += `\n${logs.join('\n')}`;
    throw error;
  } finally {
    await Promise.all(started.map((lambda) => lambda.stop()));
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

async function processQueue(clients: RehearsalClients, deployment: Deployment, process: LambdaProcess): Promise<void> {
  const messages = [];
  const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
  while (messages.length < CALLBACKS.length && Date.now() < deadline) {
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
  expectEqual('messages ingest queued', messages.length, CALLBACKS.length);
  passed(`${messages.length} messages received from the queue`);
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
}

/**
 * The table's stream in moto, read by the local stream event source mapping (local/stream-poller.ts,
 * with the deployed mapping's filter), each batch handed to the deployed project bundle.
 */
async function projectStream(deployment: Deployment, endpoint: string, project: LambdaProcess): Promise<void> {
  const streams = new DynamoDBStreamsClient({ endpoint, region: REHEARSAL_REGION, credentials: REHEARSAL_CREDENTIALS });
  let records = 0;
  try {
    const reader = new StreamPoller({
      client: streams,
      streamArn: deployment.streamArn,
      filter: isNewEventRecord,
      maxRetryAttempts: 0,
      onDiscard: (failed) => {
        throw new RehearsalError(`project failed on ${failed.length} stream records`);
      },
      handler: async (event) => {
        records += event.Records.length;
        const response = (await project.invoke(event)) as DynamoDBBatchResponse;
        expectEqual('project batch item failures', response.batchItemFailures, []);
        return response;
      },
    });
    await reader.drain(RECEIVE_TIMEOUT_MS);
  } finally {
    streams.destroy();
  }
  expectEqual('new event items on the stream', records, CALLBACKS.length);
  passed(`project: ${records} new event items from the table's stream folded into summaries, batchItemFailures []`);
}

/**
 * A rule on the deployed bus delivering our events to an SQS queue, then the summary versions on
 * moto's stream (the deployed publish mapping's filter) through the deployed publish bundle into
 * moto's EventBridge: one `Recording Status Changed` per recording must reach the queue.
 */
async function publishEvents(
  clients: RehearsalClients,
  deployment: Deployment,
  endpoint: string,
  publish: LambdaProcess,
): Promise<void> {
  const { QueueUrl: targetUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'rehearsal-events' }));
  const { Attributes: target = {} } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: targetUrl, AttributeNames: ['QueueArn'] }),
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
  const streams = new DynamoDBStreamsClient({ endpoint, region: REHEARSAL_REGION, credentials: REHEARSAL_CREDENTIALS });
  let versions = 0;
  try {
    const reader = new StreamPoller({
      client: streams,
      streamArn: deployment.streamArn,
      filter: isSummaryChangeRecord,
      maxRetryAttempts: 0,
      onDiscard: (failed) => {
        throw new RehearsalError(`publish failed on ${failed.length} stream records`);
      },
      handler: async (event) => {
        versions += event.Records.length;
        const response = (await publish.invoke(event)) as DynamoDBBatchResponse;
        expectEqual('publish batch item failures', response.batchItemFailures, []);
        return response;
      },
    });
    await reader.drain(RECEIVE_TIMEOUT_MS);
  } finally {
    streams.destroy();
  }
  const received: { 'detail-type': string; detail: { taskId: string; status: string; previousStatus: null } }[] = [];
  const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
  while (received.length < CALLBACKS.length && Date.now() < deadline) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: targetUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    received.push(...Messages.map((message) => JSON.parse(message.Body ?? '{}')));
  }
  expectEqual(
    'events the rule delivered',
    received
      .map(
        (event) =>
          `${event['detail-type']} ${event.detail.taskId} ${event.detail.previousStatus} → ${event.detail.status}`,
      )
      .sort(),
    CALLBACKS.map(({ recording, status }) => `Recording Status Changed ${recording.taskId} null → ${status}`).sort(),
  );
  passed(
    `publish: ${versions} summary versions from the stream → ${received.length} Recording Status Changed on bus ` +
      `${deployment.eventBusName}, delivered by a rule to SQS`,
  );
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
