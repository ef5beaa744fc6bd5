import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AwsClient } from 'aws4fetch';
import type { ConsoleBackend, ForwardedRequest } from '../../console/server/console-handler';
import { type DeadLetterQueueConfig, SqsDeadLetters } from '../../console/server/dead-letters';

export interface DeployedStackOptions {
  readonly stage: string;
  readonly region?: string;
  readonly profile?: string;
  /** Default `rtc-recording-callbacks-<stage>`, the Serverless Framework's name. */
  readonly stackName?: string;
  /** Instead of the stack's `HttpApiUrl` output: a custom domain, or a test gateway. */
  readonly apiUrl?: string;
}

export interface DeployedStack {
  readonly stackName: string;
  readonly region: string;
  readonly apiUrl: string;
  readonly outputs: Readonly<Record<string, string>>;
  /** The stack's SQS queues, logical id → URL. */
  readonly queues: Readonly<Record<string, string>>;
  readonly backend: ConsoleBackend;
  close(): void;
}

/** A stack output the console needs is missing: the message says which, and how to go on. */
export class StackOutputError extends Error {
  override readonly name = 'StackOutputError';
}

/**
 * The deployed stage as the console sees it: its outputs from CloudFormation (DescribeStacks), the GET
 * routes through the HTTP API signed with SigV4 for `execute-api`, and the dead-letter queues through
 * SQS, all with the operator's own credentials (the SDK's default chain: environment, profile, SSO, …).
 */
export async function connectDeployedStack(options: DeployedStackOptions): Promise<DeployedStack> {
  const stackName = options.stackName ?? `rtc-recording-callbacks-${options.stage}`;
  const config = {
    ...(options.region && { region: options.region }),
    ...(options.profile && { profile: options.profile }),
  };
  const cloudFormation = new CloudFormationClient(config);
  const emulated = Boolean(process.env.AWS_ENDPOINT_URL_SQS || process.env.AWS_ENDPOINT_URL);
  // With an endpoint override (an emulator), every queue is reached there, whatever host its URL names.
  const sqs = new SQSClient({ ...config, ...(emulated && { useQueueUrlAsEndpoint: false }) });
  try {
    const { Stacks: [stack] = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Object.fromEntries(
      (stack?.Outputs ?? []).flatMap((output) =>
        output.OutputKey && output.OutputValue ? [[output.OutputKey, output.OutputValue]] : [],
      ),
    );
    // The queues by their logical ids (an SQS queue's physical id is its URL), which every stack has,
    // outputs or not; a dead-letter queue added later (webhooks) shows up by its name alone.
    const { StackResources: resources = [] } = await cloudFormation.send(
      new DescribeStackResourcesCommand({ StackName: stackName }),
    );
    const queues: Record<string, string> = {};
    for (const resource of resources) {
      if (resource.ResourceType === 'AWS::SQS::Queue' && resource.LogicalResourceId && resource.PhysicalResourceId) {
        queues[resource.LogicalResourceId] = resource.PhysicalResourceId;
      }
    }
    const region = await sqs.config.region();
    const httpApiId = resources.find((resource) => resource.LogicalResourceId === 'HttpApi')?.PhysicalResourceId;
    const apiUrl = (
      options.apiUrl ??
      outputs.HttpApiUrl ??
      (httpApiId && `https://${httpApiId}.execute-api.${region}.amazonaws.com`)
    )?.replace(/\/+$/, '');
    if (!apiUrl) throw new StackOutputError(`stack ${stackName} has no HttpApiUrl output; give --api-url`);
    const backend: ConsoleBackend = {
      forward: (request) => signedForward(sqs, region, apiUrl, request),
      deadLetters: new SqsDeadLetters({
        client: sqs,
        queues: deadLetterQueuesOf(queues),
        // SQS's message-move task in AWS; the receive/send loop on an emulator, which lacks it.
        redriveMode: emulated ? 'loop' : 'move-task',
      }),
    };
    return { stackName, region, apiUrl, outputs, queues, backend, close: () => sqs.destroy() };
  } finally {
    cloudFormation.destroy();
  }
}

/**
 * Every queue whose logical id ends in `DeadLetterQueue`, in the local stack's order; the callback DLQ
 * redrives to `CallbackQueue`, the webhook DLQ to `WebhookDeliveryQueue`.
 */
export function deadLetterQueuesOf(queues: Readonly<Record<string, string>>): DeadLetterQueueConfig[] {
  const known: Record<string, Omit<DeadLetterQueueConfig, 'url'>> = {
    CallbackDeadLetterQueue: {
      name: 'callbacks',
      label: 'Callback DLQ',
      ...(queues.CallbackQueue && { redriveTo: { url: queues.CallbackQueue, label: 'the callback queue' } }),
    },
    ProjectionDeadLetterQueue: {
      name: 'projection',
      label: 'Projection DLQ',
      hint: 'Stream batches the projector gave up on: fix the cause, then run npm run rebuild-views (a redrive cannot replay a stream record).',
    },
    WebhookDeadLetterQueue: {
      name: 'webhooks',
      label: 'Webhook DLQ',
      // Back to the delivery queue (its deliverer reads deliveries and fan-out envelopes alike): each
      // message gets the whole schedule again.
      ...(queues.WebhookDeliveryQueue && {
        redriveTo: { url: queues.WebhookDeliveryQueue, label: 'the webhook delivery queue' },
      }),
    },
    PublicationDeadLetterQueue: {
      name: 'publication',
      label: 'Publication DLQ',
      hint: 'Status changes that were not announced: fix the cause, then re-invoke publish with the named stream records (within 24 h), or have consumers resync (README, "Stream dead letters").',
    },
  };
  const order = Object.keys(known);
  return Object.entries(queues)
    .filter(([key]) => key.endsWith('DeadLetterQueue'))
    .sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b))
    .map(([key, url]) => {
      const name = key.replace(/DeadLetterQueue$/, '');
      return { name: name.toLowerCase(), label: `${name} DLQ`, ...known[key], url };
    });
}

async function signedForward(sqs: SQSClient, region: string, apiUrl: string, request: ForwardedRequest) {
  // Resolved per request: the chain refreshes expiring credentials (SSO, assumed roles) itself.
  const credentials = await sqs.config.credentials();
  const client = new AwsClient({
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    service: 'execute-api',
    region,
  });
  const response = await client.fetch(`${apiUrl}${request.path}${request.rawQuery ? `?${request.rawQuery}` : ''}`, {
    method: request.method,
  });
  return { status: response.status, body: await response.text() };
}
