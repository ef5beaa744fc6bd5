import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DEV_APPS } from '../../fixtures/samples';
import { toApiGatewayEvent } from '../../local/api-gateway-event';
import { findFreePort } from '../../local/free-port';
import { REHEARSAL_CREDENTIALS, REHEARSAL_REGION, type RehearsalClients } from './aws';
import { expectEqual, passed, RehearsalError } from './check';
import type { Deployment } from './check-stack';
import type { LambdaProcess } from './lambda-process';
import { stopProcess, track } from './processes';

interface RunningProcess {
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

/** A child in its own process group, tracked so that a failed or interrupted rehearsal stops it. */
function startProcess(command: string, args: string[], env: Record<string, string>): RunningProcess {
  const child = track(
    spawn(command, args, { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return {
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: () => stopProcess(child),
  };
}

/** API Gateway's SigV4 check, as far as the rehearsal can make it: a signature for execute-api with these keys. */
const SIGNED = new RegExp(
  `^AWS4-HMAC-SHA256 Credential=${REHEARSAL_CREDENTIALS.accessKeyId}/\\d{8}/${REHEARSAL_REGION}/execute-api/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`,
);

/**
 * `npm run console -- --stage rehearsal` against the stack in moto, as an operator runs it: the real CLI
 * finds the stack's outputs through CloudFormation and forwards with the rehearsal's credentials. moto
 * has no HTTP API, so `--api-url` points at a stand-in gateway that refuses unsigned requests (403,
 * as API Gateway's IAM authorization does) and hands signed ones to the deployed query bundle (the
 * deliveries routes to the webhooks bundle).
 */
export async function driveConsole(
  clients: RehearsalClients,
  deployment: Deployment,
  lambdas: { readonly query: LambdaProcess; readonly webhooks: LambdaProcess },
  options: { endpoint: string; trtcTaskId: string; webhookEndpointId: string },
): Promise<void> {
  const signedPaths: string[] = [];
  const gateway = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (!SIGNED.test(String(request.headers.authorization ?? ''))) {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end('{"message":"Forbidden"}');
      return;
    }
    signedPaths.push(url.pathname);
    // The HTTP API's integrations: the deliveries routes are the webhooks function's, the rest the query's.
    const integration = url.pathname.startsWith('/webhooks/') ? lambdas.webhooks : lambdas.query;
    const result = (await integration.invoke(
      toApiGatewayEvent({
        method: request.method ?? 'GET',
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
      }),
    )) as APIGatewayProxyStructuredResultV2;
    response.writeHead(result.statusCode ?? 200, { 'content-type': 'application/json' });
    response.end(result.body ?? '');
  });
  const gatewayPort = await findFreePort();
  await new Promise<void>((resolve) => gateway.listen(gatewayPort, '127.0.0.1', resolve));
  const consolePort = await findFreePort();
  let cli: RunningProcess | undefined;
  try {
    const unsigned = await fetch(`http://127.0.0.1:${gatewayPort}/apps`);
    expectEqual('an unsigned request to the stand-in gateway', unsigned.status, 403);
    cli = startProcess(
      'node',
      [
        '--import',
        'tsx',
        'scripts/console.ts',
        '--stage',
        'rehearsal',
        '--region',
        REHEARSAL_REGION,
        '--api-url',
        `http://127.0.0.1:${gatewayPort}`,
      ],
      {
        CONSOLE_PORT: String(consolePort),
        AWS_ACCESS_KEY_ID: REHEARSAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: REHEARSAL_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL: options.endpoint,
        AWS_ENDPOINT_URL_SQS: options.endpoint,
      },
    );
    const base = `http://127.0.0.1:${consolePort}`;
    await waitForConsole(base, cli);
    passed(
      `npm run console -- --stage rehearsal: found stack ${deployment.stackName} through CloudFormation, serving ${base}/console/`,
    );

    const page = await fetch(`${base}/console/`);
    expectEqual(
      'GET /console/',
      { status: page.status, csp: /default-src 'none'/.test(page.headers.get('content-security-policy') ?? '') },
      { status: 200, csp: true },
    );
    const apps = (await getJson(`${base}/console/api/apps`)) as { apps: { platform: string; appId: string }[] };
    expectEqual('GET /console/api/apps (the apps document from SSM, ids only)', apps.apps.length, 7);
    const listPath = `/console/api/recordings/trtc/${DEV_APPS.trtc}?limit=100`;
    const list = (await getJson(`${base}${listPath}`)) as { recordings: { taskId: string }[] };
    expectEqual(
      `GET ${listPath}`,
      list.recordings.map((recording) => recording.taskId).includes(options.trtcTaskId),
      true,
    );
    expectEqual('requests the gateway saw signed', [...new Set(signedPaths)].sort(), [
      '/apps',
      `/recordings/trtc/${DEV_APPS.trtc}`,
    ]);
    passed(
      `recordings view's API: GET /apps and the trtc listing, forwarded SigV4-signed (execute-api) with the operator's keys`,
    );

    // The deliveries view's API: the delivery log through the deployed webhooks function (driven above).
    const deliveries = (await getJson(`${base}/console/api/webhooks/deliveries?status=succeeded`)) as {
      deliveries: { endpointId: string; status: string }[];
    };
    expectEqual(
      'GET /console/api/webhooks/deliveries?status=succeeded',
      deliveries.deliveries.map(({ endpointId, status }) => `${endpointId} ${status}`),
      [`${options.webhookEndpointId} succeeded`],
    );
    expectEqual('the last request the gateway saw signed', signedPaths.at(-1), '/webhooks/deliveries');
    passed(`deliveries view's API: GET /webhooks/deliveries forwarded signed to the webhooks function: 1 succeeded`);

    // The dead-letters view: a callback-shaped message in the deployed DLQ, shown without its body, then redriven.
    const secret = 'rehearsal-signature-never-shown';
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: deployment.deadLetterQueueUrl,
        MessageBody: JSON.stringify({
          version: 1,
          endpoint: 'tencent-trtc',
          appId: DEV_APPS.trtc,
          receivedAt: Date.now(),
          query: {},
          headers: { Sign: secret },
          body: '{}',
        }),
      }),
    );
    const letters = await fetch(`${base}/console/api/dead-letters`);
    const text = await letters.text();
    if (letters.status !== 200) {
      throw new RehearsalError(
        `GET /console/api/dead-letters: HTTP ${letters.status} ${text}; console: ${cli.output().slice(-1_500)}`,
      );
    }
    const queues = (
      JSON.parse(text) as { queues: { name: string; depth: number; messages: { source: string; appId: string }[] }[] }
    ).queues;
    expectEqual(
      `GET /console/api/dead-letters (console: ${cli.output().trim().split('\n').slice(-4).join(' | ')})`,
      queues.map(({ name, depth, messages }) => ({
        name,
        depth,
        first: messages[0] && `${messages[0].source} ${messages[0].appId}`,
      })),
      [
        { name: 'callbacks', depth: 1, first: `callback tencent-trtc ${DEV_APPS.trtc}` },
        { name: 'projection', depth: 0, first: undefined },
        { name: 'webhooks', depth: 0, first: undefined },
        { name: 'publication', depth: 0, first: undefined },
      ],
    );
    if (text.includes(secret)) throw new RehearsalError('the dead-letters answer holds the message signature');
    const redrive = await fetch(`${base}/console/api/dead-letters/callbacks/redrive`, {
      method: 'POST',
      headers: { 'x-console-request': '1' },
    });
    expectEqual(
      'POST /console/api/dead-letters/callbacks/redrive',
      { status: redrive.status, body: await redrive.json() },
      { status: 200, body: { moved: 1, failed: 0 } },
    );
    // Take it back off the callback queue: later steps expect the queue as the rehearsal left it.
    const { Messages: moved = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: deployment.queueUrl, WaitTimeSeconds: 1 }),
    );
    for (const message of moved)
      await clients.sqs.send(
        new DeleteMessageCommand({ QueueUrl: deployment.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    expectEqual('messages redriven onto the callback queue', moved.length, 1);
    passed(
      'dead-letters view API: 4 DLQs from the stack resources, "1 message" without its signature, redriven to the callback queue',
    );
  } finally {
    await cli?.stop();
    await new Promise<void>((resolve) => (gateway as Server).close(() => resolve()));
  }
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  const body = await response.text();
  if (response.status !== 200) throw new RehearsalError(`GET ${url}: HTTP ${response.status} ${body}`);
  return JSON.parse(body);
}

async function waitForConsole(base: string, cli: RunningProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (
      await fetch(`${base}/console/`).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    if (cli.exited()) throw new RehearsalError(`npm run console exited: ${cli.output().slice(-2_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new RehearsalError(`npm run console did not serve ${base}/console/ within 30 s: ${cli.output().slice(-2_000)}`);
}
