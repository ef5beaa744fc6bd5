import {
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand, DescribeRuleCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetRolePolicyCommand, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetEventSourceMappingCommand, GetFunctionCommand, GetPolicyCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import {
  ALARMS,
  ARCHITECTURES,
  appsParameterName,
  CALLBACK_QUEUE,
  eventBusName,
  expectedEnvironments,
  FUNCTION_NAMES,
  type FunctionName,
  functionLogicalId,
  type GrantTarget,
  LOG_ACTIONS,
  MEMORY_MB,
  QUEUE_MAPPING,
  QUEUE_RETENTION_SECONDS,
  QUEUES,
  RETAIN,
  RETAINED_RESOURCES,
  ROLE_GRANTS,
  RUNTIME,
  roleLogicalId,
  STREAM_MAPPINGS,
  STREAM_RESPONSE_TYPES,
  SWEEP,
  SWEEP_WRITES,
  TABLE,
  TIMEOUTS,
  webhooksParameterName,
} from '../../fixtures/expected-stack';
import { RECORDING_EVENT_SOURCE, RECORDING_EVENT_TYPES } from '../../lib/model/recording-event';
import type { RehearsalClients } from './aws';
import { expectEqual, expectTrue, passed, RehearsalError } from './check';

// What the stack must hold (README "Deploy", serverless.yml) is written once, in fixtures/expected-stack.ts;
// this module reads it from the stack deployed into moto, test/e2e/template.test.ts from the packaged template.
export { FUNCTION_NAMES, type FunctionName };

export interface DeployedFunction {
  readonly name: FunctionName;
  readonly functionName: string;
  readonly functionArn: string;
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly codeSha256: string;
  readonly code: { readonly bucket: string; readonly key: string };
}

export interface Deployment {
  readonly stackName: string;
  readonly tableName: string;
  readonly streamArn: string;
  readonly streamMappingId: string;
  readonly publishMappingId: string;
  readonly eventBusName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
  /** The stream mappings' on-failure destinations (Retain, like the callback queues). */
  readonly projectionDeadLetterQueueUrl: string;
  readonly publicationDeadLetterQueueUrl: string;
  readonly mappingId: string;
  readonly batchSize: number;
  /** The rule that invokes the sweep on its schedule. */
  readonly sweepScheduleArn: string;
  /** Signed webhooks: the bus rule's fan-out queue, the delivery queue, their DLQ and deliver's two mappings. */
  readonly webhooks: {
    readonly fanoutQueueUrl: string;
    readonly fanoutQueueArn: string;
    readonly deliveryQueueUrl: string;
    readonly deliveryQueueArn: string;
    readonly deadLetterQueueUrl: string;
    readonly mappingIds: readonly string[];
  };
  readonly functions: Readonly<Record<FunctionName, DeployedFunction>>;
}

export type Template = {
  Resources: Record<
    string,
    {
      Type: string;
      Properties?: Record<string, unknown>;
      DeletionPolicy?: string;
      UpdateReplacePolicy?: string;
      Condition?: string;
    }
  >;
  Parameters?: Record<string, { Default?: string }>;
  Conditions?: Record<string, unknown>;
};

export interface Stack {
  readonly name: string;
  readonly accountId: string;
  readonly template: Template;
  /** The template parameters' values the stack was deployed with. */
  readonly parameters: Readonly<Record<string, string>>;
  /** logical id → physical id */
  readonly physical: (logicalId: string) => string;
}

export async function readStack(clients: RehearsalClients, stackName: string): Promise<Stack> {
  const { Stacks } = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  const stackId = Stacks?.[0]?.StackId ?? '';
  const parameters = Object.fromEntries(
    (Stacks?.[0]?.Parameters ?? []).map((parameter) => [parameter.ParameterKey ?? '', parameter.ParameterValue ?? '']),
  );
  const { StackResources = [] } = await clients.cloudformation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  const { TemplateBody = '{}' } = await clients.cloudformation.send(new GetTemplateCommand({ StackName: stackName }));
  const ids = new Map(StackResources.map((resource) => [resource.LogicalResourceId, resource.PhysicalResourceId]));
  return {
    name: stackName,
    accountId: stackId.split(':')[4] ?? '',
    template: JSON.parse(TemplateBody) as Template,
    parameters,
    physical: (logicalId) => {
      const id = ids.get(logicalId);
      if (!id) throw new RehearsalError(`stack ${stackName} has no ${logicalId}`);
      return id;
    },
  };
}

/** Checks everything moto models against what the stack must hold, and returns what the next steps need. */
export async function checkDeployment(clients: RehearsalClients, stack: Stack, stage: string): Promise<Deployment> {
  const table = await checkTable(clients, stack);
  const queues = await checkQueues(clients, stack);
  const projectionDeadLetterQueueArn = await checkDeadLetterQueue(clients, stack, 'ProjectionDeadLetterQueue');
  const publicationDeadLetterQueueArn = await checkDeadLetterQueue(clients, stack, 'PublicationDeadLetterQueue');
  const bus = await checkEventBus(clients, stack, stage);
  const functions = await checkFunctions(clients, stack, stage, {
    ...queues,
    tableName: table.name,
    eventBusName: bus.name,
    publicationDeadLetterQueueUrl: stack.physical('PublicationDeadLetterQueue'),
    webhookDeliveryQueueUrl: stack.physical('WebhookDeliveryQueue'),
    webhookDeadLetterQueueUrl: stack.physical('WebhookDeadLetterQueue'),
  });
  await checkRoles(clients, stack, functions, {
    ...queues,
    tableArn: table.arn,
    streamArn: table.streamArn,
    projectionDeadLetterQueueArn,
    publicationDeadLetterQueueArn,
    eventBusArn: bus.arn,
    stage,
  });
  const mapping = await checkEventSourceMapping(clients, stack, functions.process, queues.queueArn);
  const streamMappingId = await checkStreamMapping(clients, stack, functions.project, {
    streamArn: table.streamArn,
    projectionDeadLetterQueueArn,
  });
  const publishMappingId = await checkPublishMapping(clients, stack, functions.publish, table.streamArn);
  const sweepScheduleArn = await checkSweepSchedule(clients, stack, functions.sweep);
  const webhooks = await checkWebhookWiring(clients, stack, functions.deliver, bus.name);
  checkSweepAlarm(stack, functions.sweep);
  checkAlarms(stack);
  checkRetainedResources(stack);
  return {
    stackName: stack.name,
    projectionDeadLetterQueueUrl: stack.physical('ProjectionDeadLetterQueue'),
    publicationDeadLetterQueueUrl: stack.physical('PublicationDeadLetterQueue'),
    tableName: table.name,
    streamArn: table.streamArn,
    streamMappingId,
    publishMappingId,
    eventBusName: bus.name,
    ...queues,
    ...mapping,
    sweepScheduleArn,
    webhooks,
    functions,
  };
}

async function checkTable(clients: RehearsalClients, stack: Stack) {
  const name = stack.physical('RecordingsTable');
  const { Table: table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }));
  expectEqual('table key', table?.KeySchema, TABLE.keySchema);
  expectEqual(
    'table indexes',
    table?.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({
      IndexName,
      KeySchema,
      Projection,
    })),
    TABLE.indexes,
  );
  expectEqual('table stream', table?.StreamSpecification, {
    StreamEnabled: true,
    StreamViewType: TABLE.streamViewType,
  });
  expectTrue('table stream ARN', Boolean(table?.LatestStreamArn), table?.LatestStreamArn);
  expectEqual('table billing', table?.BillingModeSummary?.BillingMode, TABLE.billingMode);
  expectEqual(
    'table deletion protection (stage parameter, on outside dev)',
    table?.DeletionProtectionEnabled,
    TABLE.deletionProtection,
  );
  passed(
    `table ${name}: key pk/sk, indexes byRoom (roomKey/roomSort, KEYS_ONLY) and byTime (timeKey/timeSort, INCLUDE), ` +
      'a NEW_AND_OLD_IMAGES stream, on demand, deletion protection on',
  );
  return { name, arn: table?.TableArn ?? '', streamArn: table?.LatestStreamArn ?? '' };
}

async function queueAttributes(clients: RehearsalClients, queueUrl: string): Promise<Record<string, string>> {
  const { Attributes = {} } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return Attributes;
}

async function checkQueues(clients: RehearsalClients, stack: Stack) {
  const queueUrl = stack.physical('CallbackQueue');
  const deadLetterQueueUrl = stack.physical('CallbackDeadLetterQueue');
  const queue = await queueAttributes(clients, queueUrl);
  const deadLetterQueue = await queueAttributes(clients, deadLetterQueueUrl);
  const queueArn = queue.QueueArn ?? '';
  const deadLetterQueueArn = deadLetterQueue.QueueArn ?? '';
  expectEqual('queue redrive policy', JSON.parse(queue.RedrivePolicy ?? 'null'), {
    deadLetterTargetArn: deadLetterQueueArn,
    maxReceiveCount: CALLBACK_QUEUE.maxReceiveCount,
  });
  expectEqual(
    'queue visibility timeout (6 × the process timeout)',
    queue.VisibilityTimeout,
    String(6 * TIMEOUTS.process),
  );
  expectEqual(
    'queue visibility timeout (expected)',
    queue.VisibilityTimeout,
    String(CALLBACK_QUEUE.visibilityTimeoutSeconds),
  );
  for (const [what, attributes] of [
    ['queue', queue],
    ['dead-letter queue', deadLetterQueue],
  ] as const) {
    expectEqual(`${what} SSE`, attributes.SqsManagedSseEnabled, 'true');
    expectEqual(`${what} retention`, attributes.MessageRetentionPeriod, String(QUEUE_RETENTION_SECONDS));
  }
  passed(
    `queue ${queueArn.split(':').pop()}: redrive to the DLQ after ${CALLBACK_QUEUE.maxReceiveCount} receives, visibility ${queue.VisibilityTimeout} s`,
  );
  // moto keeps RedriveAllowPolicy but does not report it: check the deployed template's policy
  // names the queue's real ARN (it is built from the queue name to avoid a circular reference).
  const allow = stack.template.Resources.CallbackDeadLetterQueue?.Properties?.RedriveAllowPolicy as
    | { redrivePermission: string; sourceQueueArns: { 'Fn::Sub': string }[] }
    | undefined;
  const pseudo: Record<string, string> = {
    Partition: queueArn.split(':')[1] ?? '',
    Region: queueArn.split(':')[3] ?? '',
    AccountId: stack.accountId,
    StackName: stack.name,
  };
  const sources = allow?.sourceQueueArns.map((arn) =>
    arn['Fn::Sub'].replace(/\$\{AWS::(\w+)\}/g, (_, name: string) => pseudo[name] ?? name),
  );
  expectEqual(
    'DLQ redrive allow policy',
    { permission: allow?.redrivePermission, sources },
    {
      permission: 'byQueue',
      sources: [queueArn],
    },
  );
  passed(`dead-letter queue ${deadLetterQueueArn.split(':').pop()}: accepts redrives from ${queueArn} only`);
  return { queueUrl, queueArn, deadLetterQueueUrl, deadLetterQueueArn };
}

async function checkDeadLetterQueue(clients: RehearsalClients, stack: Stack, logicalId: string): Promise<string> {
  const attributes = await queueAttributes(clients, stack.physical(logicalId));
  expectEqual(`${logicalId} SSE`, attributes.SqsManagedSseEnabled, 'true');
  expectEqual(`${logicalId} retention`, attributes.MessageRetentionPeriod, String(QUEUE_RETENTION_SECONDS));
  passed(`${logicalId} ${attributes.QueueArn?.split(':').pop()}: SSE, 14 days`);
  return attributes.QueueArn ?? '';
}

/** The stack's own bus (the default: no `eventBusName` stage parameter). */
async function checkEventBus(
  clients: RehearsalClients,
  stack: Stack,
  stage: string,
): Promise<{ name: string; arn: string }> {
  const name = stack.physical('RecordingEventBus');
  const bus = await clients.events.send(new DescribeEventBusCommand({ Name: name }));
  expectEqual('event bus name', bus.Name, eventBusName(stage));
  passed(`event bus ${bus.Name}: the stack's own`);
  return { name: bus.Name ?? '', arn: bus.Arn ?? '' };
}

async function checkFunctions(
  clients: RehearsalClients,
  stack: Stack,
  stage: string,
  resources: {
    queueUrl: string;
    tableName: string;
    eventBusName: string;
    publicationDeadLetterQueueUrl: string;
    webhookDeliveryQueueUrl: string;
    webhookDeadLetterQueueUrl: string;
  },
): Promise<Record<FunctionName, DeployedFunction>> {
  const environments = expectedEnvironments(stage, resources);
  const deployed = {} as Record<FunctionName, DeployedFunction>;
  for (const name of FUNCTION_NAMES) {
    const logicalId = functionLogicalId(name);
    const { Configuration: config, Code: code } = await clients.lambda.send(
      new GetFunctionCommand({ FunctionName: stack.physical(logicalId) }),
    );
    if (!config || !code) throw new RehearsalError(`function ${name} is missing`);
    const handler = config.Handler ?? '';
    const environment = config.Environment?.Variables ?? {};
    expectEqual(`${name} runtime`, config.Runtime, RUNTIME);
    expectEqual(`${name} architecture`, config.Architectures, ARCHITECTURES);
    expectEqual(`${name} handler`, handler, `functions/${name}.handler`);
    expectEqual(`${name} timeout`, config.Timeout, TIMEOUTS[name]);
    expectEqual(`${name} memory`, config.MemorySize, MEMORY_MB);
    expectEqual(`${name} environment`, environment, environments[name]);
    expectEqual(`${name} role`, config.Role?.split('/').pop(), stack.physical(roleLogicalId(name)));
    // The zip the function was created from, as the template names it.
    const codeProperty = stack.template.Resources[logicalId]?.Properties?.Code as { S3Key: string } | undefined;
    deployed[name] = {
      name,
      functionName: config.FunctionName ?? '',
      functionArn: config.FunctionArn ?? '',
      handler,
      runtime: config.Runtime ?? '',
      timeoutSeconds: config.Timeout ?? 0,
      memorySize: config.MemorySize ?? 0,
      environment,
      codeSha256: config.CodeSha256 ?? '',
      code: { bucket: stack.physical('ServerlessDeploymentBucket'), key: codeProperty?.S3Key ?? '' },
    };
    passed(
      `${name}: ${config.Runtime} on ${config.Architectures?.join()}, handler ${handler}, ${config.Timeout} s, ` +
        `environment ${Object.keys(environment).sort().join(', ')}`,
    );
  }
  return deployed;
}

type Statement = { Effect: string; Action: string | string[]; Resource: string | string[] };

/** Every "action on resource" a role's inline policies allow. */
async function grantsOf(clients: RehearsalClients, roleName: string): Promise<string[]> {
  const { PolicyNames = [] } = await clients.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  const grants: string[] = [];
  for (const policyName of PolicyNames) {
    const { PolicyDocument = '{}' } = await clients.iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
    );
    // IAM returns policy documents URL-encoded (RFC 3986).
    const document = JSON.parse(decodeURIComponent(PolicyDocument)) as { Statement: Statement[] };
    for (const statement of document.Statement) {
      expectEqual(`${roleName} statement effect`, statement.Effect, 'Allow');
      for (const action of [statement.Action].flat()) {
        for (const resource of [statement.Resource].flat()) grants.push(`${action} on ${resource}`);
      }
    }
  }
  return grants.sort();
}

function expectSameGrants(what: string, actual: string[], expected: string[]): void {
  const missing = expected.filter((grant) => !actual.includes(grant));
  const unexpected = actual.filter((grant) => !expected.includes(grant));
  if (missing.length > 0 || unexpected.length > 0) {
    throw new RehearsalError(
      `${what}:${missing.map((grant) => `\n    missing    ${grant}`).join('')}${unexpected
        .map((grant) => `\n    unexpected ${grant}`)
        .join('')}`,
    );
  }
}

function expectNoWrites(grants: string[]): void {
  const actions = grants.map((grant) => grant.split(' ')[0] ?? '');
  // A wildcard would grant the writes too.
  const writes = actions.filter((action) => SWEEP_WRITES.includes(action) || action.includes('*'));
  expectEqual('sweep role writes (it only queues facts for process)', writes, []);
}

async function checkRoles(
  clients: RehearsalClients,
  stack: Stack,
  functions: Record<FunctionName, DeployedFunction>,
  resources: {
    queueArn: string;
    tableArn: string;
    streamArn: string;
    projectionDeadLetterQueueArn: string;
    publicationDeadLetterQueueArn: string;
    eventBusArn: string;
    stage: string;
  },
): Promise<void> {
  const [, partition, , region, account] = resources.queueArn.split(':');
  const logs = (name: FunctionName) =>
    LOG_ACTIONS.map(
      (action) =>
        `${action} on arn:${partition}:logs:${region}:${account}:log-group:/aws/lambda/${functions[name].functionName}:*:*`,
    );
  // A queue's ARN from its deployed URL (…/<account>/<name>).
  const queueArn = (logicalId: string) =>
    `arn:${partition}:sqs:${region}:${account}:${stack.physical(logicalId).split('/').pop()}`;
  const arnOf: Record<GrantTarget, string[]> = {
    CallbackQueue: [resources.queueArn],
    RecordingsTable: [resources.tableArn],
    'RecordingsTable/index/byRoom': [`${resources.tableArn}/index/byRoom`],
    'RecordingsTable/index/byTime': [`${resources.tableArn}/index/byTime`],
    'RecordingsTable/stream': [resources.streamArn],
    ProjectionDeadLetterQueue: [resources.projectionDeadLetterQueueArn],
    PublicationDeadLetterQueue: [resources.publicationDeadLetterQueueArn],
    RecordingEventBus: [resources.eventBusArn],
    appsParameter: [`arn:${partition}:ssm:${region}:${account}:parameter${appsParameterName(resources.stage)}`],
    webhooksParameter: [`arn:${partition}:ssm:${region}:${account}:parameter${webhooksParameterName(resources.stage)}`],
    WebhookFanoutQueue: [queueArn('WebhookFanoutQueue')],
    WebhookDeliveryQueue: [queueArn('WebhookDeliveryQueue')],
    WebhookDeadLetterQueue: [queueArn('WebhookDeadLetterQueue')],
  };
  const expected = Object.fromEntries(
    FUNCTION_NAMES.map((name) => [
      name,
      [
        ...logs(name),
        ...ROLE_GRANTS[name].flatMap(({ actions, on }) =>
          on.flatMap((target) => arnOf[target].flatMap((arn) => actions.map((action) => `${action} on ${arn}`))),
        ),
      ],
    ]),
  ) as Record<FunctionName, string[]>;
  const roleNames = FUNCTION_NAMES.map((name) => stack.physical(roleLogicalId(name)));
  for (const [index, name] of FUNCTION_NAMES.entries()) {
    const grants = await grantsOf(clients, roleNames[index] as string);
    if (name === 'sweep') {
      expectNoWrites(grants);
      passed(`sweep role: no ${SWEEP_WRITES.join(', ')}, no wildcard: it writes only queued facts`);
    }
    expectSameGrants(`${name} role grants`, grants, expected[name].sort());
    const actions = [...new Set(grants.map((grant) => grant.split(' ')[0]))].filter((a) => !a?.startsWith('logs:'));
    passed(`${name} role: its log group, and ${actions.join(', ')} on its own resources only`);
  }
  const { Roles = [] } = await clients.iam.send(new ListRolesCommand({}));
  const unused = Roles.map((role) => role.RoleName ?? '').filter((role) => !roleNames.includes(role));
  expectEqual('roles no function uses', unused, []);
  passed('no other role: the default IamRoleLambdaExecution is not deployed');
}

async function checkEventSourceMapping(
  clients: RehearsalClients,
  stack: Stack,
  process: DeployedFunction,
  queueArn: string,
) {
  const mappingId = stack.physical(QUEUE_MAPPING.logicalId);
  const mapping = await clients.lambda.send(new GetEventSourceMappingCommand({ UUID: mappingId }));
  expectEqual('event source mapping', mapping.EventSourceArn, queueArn);
  expectEqual('event source mapping function', mapping.FunctionArn, process.functionArn);
  expectEqual(
    'event source mapping batch settings',
    { BatchSize: mapping.BatchSize, MaximumBatchingWindowInSeconds: mapping.MaximumBatchingWindowInSeconds },
    QUEUE_MAPPING.batch,
  );
  expectEqual(
    'event source mapping response types',
    mapping.FunctionResponseTypes,
    QUEUE_MAPPING.FunctionResponseTypes,
  );
  expectTrue('event source mapping enabled', mapping.State === 'Enabled', mapping.State);
  passed(
    `event source mapping: queue → process, batch ${mapping.BatchSize}, window ${mapping.MaximumBatchingWindowInSeconds} s, ReportBatchItemFailures, enabled`,
  );
  return { mappingId, batchSize: mapping.BatchSize ?? QUEUE_MAPPING.batch.BatchSize };
}

/**
 * What both stream mappings must be: on the table's stream, invoking their function, reporting
 * batch item failures; and, from the deployed template (moto keeps these but reports only some),
 * the template properties given.
 */
async function checkTableStreamMapping(
  clients: RehearsalClients,
  stack: Stack,
  mapping: { logicalId: string; label: string; fn: DeployedFunction; streamArn: string },
  template: Record<string, unknown>,
) {
  const deployed = await clients.lambda.send(
    new GetEventSourceMappingCommand({ UUID: stack.physical(mapping.logicalId) }),
  );
  expectEqual(mapping.label, deployed.EventSourceArn, mapping.streamArn);
  expectEqual(`${mapping.label} function`, deployed.FunctionArn, mapping.fn.functionArn);
  expectEqual(`${mapping.label} response types`, deployed.FunctionResponseTypes, STREAM_RESPONSE_TYPES);
  const properties = stack.template.Resources[mapping.logicalId]?.Properties ?? {};
  expectEqual(
    `${mapping.label} ${Object.keys(template).join(', ')}`,
    Object.fromEntries(Object.keys(template).map((name) => [name, properties[name]])),
    template,
  );
  return deployed;
}

async function checkStreamMapping(
  clients: RehearsalClients,
  stack: Stack,
  project: DeployedFunction,
  resources: { streamArn: string; projectionDeadLetterQueueArn: string },
): Promise<string> {
  const { logicalId, batch, template } = STREAM_MAPPINGS.project;
  const mapping = await checkTableStreamMapping(
    clients,
    stack,
    { logicalId, label: 'stream mapping', fn: project, streamArn: resources.streamArn },
    template,
  );
  expectEqual(
    'stream mapping batch settings',
    { BatchSize: mapping.BatchSize, MaximumBatchingWindowInSeconds: mapping.MaximumBatchingWindowInSeconds },
    batch,
  );
  passed(
    `stream mapping: table stream → project, batch ${mapping.BatchSize}, window ${mapping.MaximumBatchingWindowInSeconds} s, ` +
      `ReportBatchItemFailures, bisect, ${template.MaximumRetryAttempts} retries then the projection DLQ, new event items only`,
  );
  return stack.physical(logicalId);
}

async function checkPublishMapping(
  clients: RehearsalClients,
  stack: Stack,
  publish: DeployedFunction,
  streamArn: string,
): Promise<string> {
  const { logicalId, template } = STREAM_MAPPINGS.publish;
  await checkTableStreamMapping(
    clients,
    stack,
    { logicalId, label: 'publish mapping', fn: publish, streamArn },
    template,
  );
  passed(
    'publish mapping: table stream → publish, summary versions that change the status and new stale notices only, ' +
      `ReportBatchItemFailures, bisect, ${template.MaximumRetryAttempts} retries then the publication DLQ`,
  );
  return stack.physical(logicalId);
}

/** The sweep's schedule: a rule on the default bus whose one target is the sweep, which lets only that rule invoke it. */
async function checkSweepSchedule(clients: RehearsalClients, stack: Stack, sweep: DeployedFunction): Promise<string> {
  const name = stack.physical('SweepEventsRuleSchedule1');
  const rule = await clients.events.send(new DescribeRuleCommand({ Name: name }));
  expectEqual(
    'sweep schedule',
    { schedule: rule.ScheduleExpression, state: rule.State, bus: rule.EventBusName },
    { schedule: SWEEP.schedule, state: 'ENABLED', bus: 'default' },
  );
  const { Targets: targets = [] } = await clients.events.send(new ListTargetsByRuleCommand({ Rule: name }));
  expectEqual(
    'sweep schedule targets',
    targets.map((target) => target.Arn),
    [sweep.functionArn],
  );
  const { Policy: policy = '{}' } = await clients.lambda.send(
    new GetPolicyCommand({ FunctionName: sweep.functionName }),
  );
  const statements = (JSON.parse(policy) as { Statement: Record<string, unknown>[] }).Statement;
  expectEqual(
    'sweep resource policy',
    statements.map(({ Effect, Action, Principal, Condition }) => ({ Effect, Action, Principal, Condition })),
    [
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnLike: { 'AWS:SourceArn': rule.Arn } },
      },
    ],
  );
  passed(
    `sweep schedule: rule ${name} on the default bus, ${rule.ScheduleExpression}, enabled, its one target the sweep; ` +
      'the sweep may be invoked by events.amazonaws.com from that rule only',
  );
  return rule.Arn ?? '';
}

/**
 * Signed webhooks as deployed: the rule on the stack's bus sends both event types to the fan-out queue
 * (moto delivers through it), and deliver reads the fan-out and the delivery queue, ten at a time,
 * reporting batch item failures.
 */
async function checkWebhookWiring(clients: RehearsalClients, stack: Stack, deliver: DeployedFunction, busName: string) {
  const arnOf = async (logicalId: string) => (await queueAttributes(clients, stack.physical(logicalId))).QueueArn ?? '';
  const fanoutQueueArn = await arnOf('WebhookFanoutQueue');
  const deliveryQueueArn = await arnOf('WebhookDeliveryQueue');
  const deadLetterQueueArn = await arnOf('WebhookDeadLetterQueue');
  // A rule on a custom bus has the physical id <bus>|<rule>.
  const ruleName = stack.physical('WebhookRule').split('|').pop() ?? '';
  const rule = await clients.events.send(new DescribeRuleCommand({ Name: ruleName, EventBusName: busName }));
  expectEqual('webhook rule pattern', JSON.parse(rule.EventPattern ?? '{}'), {
    source: [RECORDING_EVENT_SOURCE],
    'detail-type': [RECORDING_EVENT_TYPES.statusChanged, RECORDING_EVENT_TYPES.stale],
  });
  expectEqual('webhook rule state', rule.State, 'ENABLED');
  const { Targets = [] } = await clients.events.send(
    new ListTargetsByRuleCommand({ Rule: ruleName, EventBusName: busName }),
  );
  expectEqual(
    'webhook rule targets',
    Targets.map((target) => ({ arn: target.Arn, deadLetter: target.DeadLetterConfig?.Arn })),
    [{ arn: fanoutQueueArn, deadLetter: deadLetterQueueArn }],
  );
  const mappingIds: string[] = [];
  const sources: string[] = [];
  for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping' || !logicalId.startsWith('DeliverEventSourceMapping')) {
      continue;
    }
    const mapping = await clients.lambda.send(new GetEventSourceMappingCommand({ UUID: stack.physical(logicalId) }));
    expectEqual(`${logicalId} function`, mapping.FunctionArn, deliver.functionArn);
    expectEqual(
      `${logicalId} settings`,
      { BatchSize: mapping.BatchSize, FunctionResponseTypes: mapping.FunctionResponseTypes },
      { BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] },
    );
    mappingIds.push(stack.physical(logicalId));
    sources.push(mapping.EventSourceArn ?? '');
  }
  expectEqual("deliver's event sources", sources.sort(), [fanoutQueueArn, deliveryQueueArn].sort());
  passed(
    `webhooks: rule ${ruleName} on ${busName} (Recording Status Changed, Recording Stale) → ${fanoutQueueArn.split(':').pop()}, ` +
      `DLQ ${deadLetterQueueArn.split(':').pop()}; deliver reads the fan-out and the delivery queue, batch 10, ReportBatchItemFailures`,
  );
  return {
    fanoutQueueUrl: stack.physical('WebhookFanoutQueue'),
    fanoutQueueArn,
    deliveryQueueUrl: stack.physical('WebhookDeliveryQueue'),
    deliveryQueueArn,
    deadLetterQueueUrl: stack.physical('WebhookDeadLetterQueue'),
    mappingIds,
  };
}

/**
 * The sweep's alarm, from the deployed template: moto 5.2's CloudFormation has no
 * AWS::CloudWatch::Alarm (it logs "No Moto CloudFormation support" and creates nothing), so there is
 * no alarm to describe. Its dimension is the deployed sweep function.
 */
function checkSweepAlarm(stack: Stack, sweep: DeployedFunction): void {
  const alarm = stack.template.Resources.SweepFailureAlarm;
  const properties = alarmProperties(alarm?.Properties);
  expectEqual(
    'SweepFailureAlarm (deployed template)',
    { type: alarm?.Type, properties },
    { type: 'AWS::CloudWatch::Alarm', properties: ALARMS.SweepFailureAlarm },
  );
  expectEqual('SweepFailureAlarm dimension', stack.physical('SweepLambdaFunction'), sweep.functionName);
  passed(
    `SweepFailureAlarm (template; moto deploys no alarms): Errors of ${sweep.functionName}, Sum > 0 over 3600 s, missing data not breaching`,
  );
}

/** An alarm's properties but its description and its actions (tools/rehearse/alarms.ts checks those). */
function alarmProperties(properties: Record<string, unknown> = {}): Record<string, unknown> {
  const { AlarmDescription: _description, AlarmActions: _actions, OKActions: _okActions, ...rest } = properties;
  return rest;
}

/**
 * Every alarm, from the deployed template (moto deploys none): each dead-letter queue's on any
 * message, the oldest queued callback, the sweep's failures. The webhook's is there with its condition.
 */
function checkAlarms(stack: Stack): void {
  const alarms = Object.entries(stack.template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
    .map(([name]) => name);
  expectEqual('alarms (deployed template)', alarms.sort(), Object.keys(ALARMS).sort());
  for (const [name, expected] of Object.entries(ALARMS)) {
    expectEqual(`${name} (deployed template)`, alarmProperties(stack.template.Resources[name]?.Properties), expected);
  }
  passed(`alarms (template): ${Object.keys(ALARMS).join(', ')}; each dead-letter queue alarms on any message`);
}

/**
 * The stack's data outlives it (deployed template): the table and every queue Retain on delete and
 * on replacement. A queue the expectations do not list fails here, so a new one cannot skip the policy.
 */
function checkRetainedResources(stack: Stack): void {
  const queues = Object.entries(stack.template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::SQS::Queue')
    .map(([name]) => name);
  expectEqual('queues (deployed template)', queues.sort(), [...QUEUES].sort());
  for (const name of RETAINED_RESOURCES) {
    const resource = stack.template.Resources[name];
    expectEqual(
      `${name} policies (deployed template)`,
      { DeletionPolicy: resource?.DeletionPolicy, UpdateReplacePolicy: resource?.UpdateReplacePolicy },
      RETAIN,
    );
  }
  passed(`retained (template): ${RETAINED_RESOURCES.join(', ')} Retain on delete and on replacement`);
}
