import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALARM_ACTIONS,
  ALARM_NOTIFICATION_CASES,
  ALARM_TOPIC_RESOURCES,
  ALARMS,
  ARCHITECTURES,
  appsParameterName,
  CALLBACK_QUEUE,
  DEAD_LETTER_ALARMS,
  eventBusName,
  expectedEnvironments,
  FUNCTION_NAMES,
  functionLogicalId,
  type Grant,
  type GrantTarget,
  LOG_RETENTION_DAYS,
  MEMORY_MB,
  QUEUE_MAPPING,
  QUEUE_RETENTION_SECONDS,
  QUEUES,
  RETAIN,
  RETAINED_RESOURCES,
  ROLE_GRANTS,
  RUNTIME,
  roleLogicalId,
  STAGE_DEFAULTS,
  STREAM_MAPPINGS,
  STREAM_RESPONSE_TYPES,
  SWEEP,
  SWEEP_WRITES,
  TABLE,
  TIMEOUTS,
  webhooksParameterName,
} from '../../fixtures/expected-stack';
import { evaluateConditions, resolveTemplateValue } from '../../fixtures/template-conditions';
import { ENDPOINTS } from '../../lib/platforms';

// What the stack must be is written once, in fixtures/expected-stack.ts; this test reads it from the packaged
// template, tools/rehearse/check-stack.ts from the stack deployed into moto.
const STAGE = 'ci';

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Condition?: string;
};
type Template = {
  Resources: Record<string, Resource>;
  Parameters: Record<string, { Default: string }>;
  Conditions: Record<string, unknown>;
};
let template: Template;
let resources: Record<string, Resource>;
let devResources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
type Policy = { PolicyDocument: { Statement: { Action: string[] | string; Resource?: unknown }[] } };
const statements = (role: string) =>
  (resources[role]?.Properties.Policies as Policy[] | undefined)?.[0]?.PolicyDocument.Statement ?? [];
const actions = (role: string) => statements(role).flatMap((statement) => [statement.Action].flat());

// `serverless package` offline, with no AWS credentials, into a temporary folder: the template users deploy.
function packageStage(stage: string): Template {
  const out = mkdtempSync(join(tmpdir(), 'package-'));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
  const result = spawnSync('npx', ['serverless', 'package', '--stage', stage, '--package', out], {
    encoding: 'utf8',
    env,
  });
  expect(result.status, result.stdout + result.stderr).toBe(0);
  return JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
}

beforeAll(() => {
  template = packageStage(STAGE);
  resources = template.Resources;
  // dev is the one stage whose stage parameters differ (deletion protection off).
  devResources = packageStage('dev').Resources;
}, 180_000);

/** A CloudFormation `Fn::Sub` string, written with `%{…}` so it does not read as a JS template. */
const fnSub = (text: string) => text.replaceAll('%{', '$' + '{');

const EVENT_BUS = { 'Fn::If': ['CreateEventBus', { Ref: 'RecordingEventBus' }, { Ref: 'ExistingEventBusName' }] };
/** The expected environments, as the template writes the resources they name. */
const ENVIRONMENTS = expectedEnvironments<unknown>(STAGE, {
  queueUrl: { Ref: 'CallbackQueue' },
  tableName: { Ref: 'RecordingsTable' },
  eventBusName: EVENT_BUS,
  publicationDeadLetterQueueUrl: { Ref: 'PublicationDeadLetterQueue' },
  webhookDeliveryQueueUrl: { Ref: 'WebhookDeliveryQueue' },
  webhookDeadLetterQueueUrl: { Ref: 'WebhookDeadLetterQueue' },
});
/** A grant's target, as the template writes it. */
const TEMPLATE_TARGETS: Record<GrantTarget, unknown> = {
  CallbackQueue: { 'Fn::GetAtt': ['CallbackQueue', 'Arn'] },
  RecordingsTable: { 'Fn::GetAtt': ['RecordingsTable', 'Arn'] },
  'RecordingsTable/index/byRoom': { 'Fn::Sub': fnSub('%{RecordingsTable.Arn}/index/byRoom') },
  'RecordingsTable/index/byTime': { 'Fn::Sub': fnSub('%{RecordingsTable.Arn}/index/byTime') },
  'RecordingsTable/stream': { 'Fn::GetAtt': ['RecordingsTable', 'StreamArn'] },
  ProjectionDeadLetterQueue: { 'Fn::GetAtt': ['ProjectionDeadLetterQueue', 'Arn'] },
  PublicationDeadLetterQueue: { 'Fn::GetAtt': ['PublicationDeadLetterQueue', 'Arn'] },
  RecordingEventBus: {
    'Fn::If': [
      'CreateEventBus',
      { 'Fn::GetAtt': ['RecordingEventBus', 'Arn'] },
      {
        'Fn::Sub': fnSub(
          'arn:%{AWS::Partition}:events:%{AWS::Region}:%{AWS::AccountId}:event-bus/%{ExistingEventBusName}',
        ),
      },
    ],
  },
  appsParameter: {
    'Fn::Sub': fnSub(`arn:%{AWS::Partition}:ssm:%{AWS::Region}:%{AWS::AccountId}:parameter${appsParameterName(STAGE)}`),
  },
  WebhookFanoutQueue: { 'Fn::GetAtt': ['WebhookFanoutQueue', 'Arn'] },
  WebhookDeliveryQueue: { 'Fn::GetAtt': ['WebhookDeliveryQueue', 'Arn'] },
  WebhookDeadLetterQueue: { 'Fn::GetAtt': ['WebhookDeadLetterQueue', 'Arn'] },
  webhooksParameter: {
    'Fn::Sub': fnSub(
      `arn:%{AWS::Partition}:ssm:%{AWS::Region}:%{AWS::AccountId}:parameter${webhooksParameterName(STAGE)}`,
    ),
  },
};
/** A role's statements besides its logs, read as the expectations write them. */
const grantsOf = (role: string) =>
  statements(role)
    .filter((statement) => ![statement.Action].flat().every((action) => action.startsWith('logs:')))
    .map((statement) => ({ actions: [statement.Action].flat(), on: [statement.Resource].flat() }));
const expectedGrants = (grants: readonly Grant[]) =>
  grants.map(({ actions, on }) => ({ actions, on: on.map((target) => TEMPLATE_TARGETS[target]) }));
/** An alarm's properties but its description and its actions (checked apart, for every alarm). */
const alarmProperties = (name: string) => {
  const {
    AlarmDescription: _description,
    AlarmActions: _actions,
    OKActions: _okActions,
    ...properties
  } = resources[name]?.Properties ?? {};
  return properties;
};

/** Evaluates the template's conditions for some parameter values (fixtures/template-conditions.ts). */
function conditionsFor(parameters: Record<string, string>): Record<string, boolean> {
  const defaults = Object.fromEntries(
    Object.entries(template.Parameters).map(([name, { Default }]) => [name, Default]),
  );
  return evaluateConditions(template.Conditions, { ...defaults, ...parameters });
}

describe('the packaged CloudFormation template', () => {
  it('routes: one public callback route per registry endpoint, six GET routes and the two webhook routes under AWS_IAM', () => {
    const routes = Object.fromEntries(
      ofType('AWS::ApiGatewayV2::Route').map(([, route]) => [
        route.Properties.RouteKey,
        route.Properties.AuthorizationType ?? 'NONE',
      ]),
    );
    expect(routes).toEqual({
      ...Object.fromEntries(ENDPOINTS.map((endpoint) => [`POST /callbacks/${endpoint}`, 'NONE'])),
      'GET /recordings/{platform}/{appId}': 'AWS_IAM',
      'GET /recordings/{platform}/{appId}/{taskId}': 'AWS_IAM',
      'GET /recordings/{platform}/{appId}/{taskId}/files': 'AWS_IAM',
      'GET /recordings/{platform}/{appId}/{taskId}/events': 'AWS_IAM',
      'GET /rooms/{platform}/{appId}/{roomId}': 'AWS_IAM',
      'GET /apps': 'AWS_IAM',
      'GET /webhooks/deliveries': 'AWS_IAM',
      'POST /webhooks/deliveries/{endpointId}/{webhookId}/resend': 'AWS_IAM',
    });
  });

  it('queue: SSE, a DLQ after ≥ 5 receives, visibility ≥ 6 × the process timeout', () => {
    const queue = resources.CallbackQueue?.Properties as Record<string, unknown> & {
      RedrivePolicy: { maxReceiveCount: number; deadLetterTargetArn: unknown };
    };
    const processTimeout = resources.ProcessLambdaFunction?.Properties.Timeout as number;
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(resources.CallbackDeadLetterQueue?.Properties.SqsManagedSseEnabled).toBe(true);
    expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(queue.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * processTimeout);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['CallbackDeadLetterQueue', 'Arn'] },
      maxReceiveCount: CALLBACK_QUEUE.maxReceiveCount,
    });
    expect(queue.VisibilityTimeout).toBe(CALLBACK_QUEUE.visibilityTimeoutSeconds);
  });

  it('every queue: SSE, 14 days retention; no queue the expectations do not list', () => {
    expect(
      ofType('AWS::SQS::Queue')
        .map(([name]) => name)
        .sort(),
    ).toEqual([...QUEUES].sort());
    for (const name of QUEUES) {
      expect(resources[name]?.Properties, name).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: QUEUE_RETENTION_SECONDS,
      });
    }
  });

  it('event source: ReportBatchItemFailures, batch 10, window 1 s', () => {
    expect(resources[QUEUE_MAPPING.logicalId]?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [QUEUE_MAPPING.source, 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['ProcessLambdaFunction', 'Arn'] },
      FunctionResponseTypes: QUEUE_MAPPING.FunctionResponseTypes,
      ...QUEUE_MAPPING.batch,
    });
  });

  it('projector: new event items only, ReportBatchItemFailures, bisect, bounded retries, a DLQ with an alarm', () => {
    const { logicalId, batch, template: properties } = STREAM_MAPPINGS.project;
    expect(resources[logicalId]?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['RecordingsTable', 'StreamArn'] },
      FunctionName: { 'Fn::GetAtt': ['ProjectLambdaFunction', 'Arn'] },
      FunctionResponseTypes: STREAM_RESPONSE_TYPES,
      ...batch,
      ...properties,
    });
    expect(alarmProperties('ProjectionFailureAlarm')).toEqual(ALARMS.ProjectionFailureAlarm);
    // Its role, the on-failure destination included: without it the mapping cannot record a batch it gives up on.
    expect(grantsOf(roleLogicalId('project'))).toEqual(expectedGrants(ROLE_GRANTS.project));
  });

  it('table: on demand, PITR, TTL, SSE, a stream, the room and time indexes', () => {
    expect(resources.RecordingsTable?.Properties).toMatchObject({
      KeySchema: TABLE.keySchema,
      BillingMode: TABLE.billingMode,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      StreamSpecification: { StreamViewType: TABLE.streamViewType },
      GlobalSecondaryIndexes: TABLE.indexes.map((index) => expect.objectContaining(index)),
    });
    expect(resources.RecordingsTable?.Properties).toMatchObject({
      GlobalSecondaryIndexes: [
        expect.objectContaining({ IndexName: 'byRoom' }),
        expect.objectContaining({
          IndexName: 'byTime',
          // What listings and the timeline read; a summary's first page of files stays out of the index.
          Projection: expect.objectContaining({
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: expect.not.arrayContaining(['firstFiles']),
          }),
        }),
      ],
    });
  });

  it('alarms: DLQ depth > 0 and the oldest queued message; every alarm as expected, and no other', () => {
    expect(resources.DeadLetterQueueAlarm?.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(resources.OldestQueuedMessageAlarm?.Properties).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
    });
    expect(
      ofType('AWS::CloudWatch::Alarm')
        .map(([name]) => name)
        .sort(),
    ).toEqual(Object.keys(ALARMS).sort());
    for (const [name, properties] of Object.entries(ALARMS)) expect(alarmProperties(name), name).toEqual(properties);
  });

  it('roles: ingest may send and read its parameter only; process only PutItem; query only reads', () => {
    // Each role's statements besides its logs, exactly, in order, with their resources.
    for (const name of FUNCTION_NAMES) {
      expect(grantsOf(roleLogicalId(name)), name).toEqual(expectedGrants(ROLE_GRANTS[name]));
    }
    expect(actions('IngestIamRoleLambdaExecution').filter((action) => !action.startsWith('logs:'))).toEqual([
      'sqs:SendMessage',
      'ssm:GetParameter',
    ]);
    expect(actions('ProcessIamRoleLambdaExecution').filter((action) => action.startsWith('dynamodb:'))).toEqual([
      'dynamodb:PutItem',
    ]);
    for (const role of ['IngestIamRoleLambdaExecution', 'QueryIamRoleLambdaExecution']) {
      expect(actions(role).some((action) => action.startsWith('sqs:Receive') || action === 'dynamodb:PutItem')).toBe(
        false,
      );
    }
  });

  it('functions: nodejs24.x on arm64, log retention set, the apps document from an SSM parameter per stage', () => {
    expect(
      ofType('AWS::Lambda::Function')
        .map(([name]) => name)
        .sort(),
    ).toEqual(FUNCTION_NAMES.map(functionLogicalId).sort());
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties).toMatchObject({ Runtime: RUNTIME, Architectures: ARCHITECTURES });
    }
    for (const name of FUNCTION_NAMES) {
      expect(resources[functionLogicalId(name)]?.Properties, name).toMatchObject({
        Handler: `functions/${name}.handler`,
        Timeout: TIMEOUTS[name],
        MemorySize: MEMORY_MB,
        Role: { 'Fn::GetAtt': [roleLogicalId(name), 'Arn'] },
      });
      // Exactly these variables, no other.
      const fn = resources[functionLogicalId(name)] as Resource;
      expect((fn.Properties.Environment as { Variables: object }).Variables, name).toEqual(ENVIRONMENTS[name]);
    }
    for (const [, group] of ofType('AWS::Logs::LogGroup')) {
      expect(group.Properties.RetentionInDays).toBe(LOG_RETENTION_DAYS);
    }
    const ingest = resources.IngestLambdaFunction as Resource;
    expect((ingest.Properties.Environment as { Variables: object }).Variables).toMatchObject({
      QUEUE_URL: { Ref: 'CallbackQueue' },
      RECORDING_APPS_PARAMETER: '/rtc-recording-callbacks/ci/apps',
    });
  });

  it('data survives the stack: table and every queue Retain on delete and on replacement', () => {
    for (const name of ['RecordingsTable', 'CallbackQueue', 'CallbackDeadLetterQueue', ...RETAINED_RESOURCES]) {
      expect(resources[name], name).toMatchObject(RETAIN);
    }
  });

  it('table deletion protection: a stage parameter, on by default, off for dev', () => {
    expect(resources.RecordingsTable?.Properties.DeletionProtectionEnabled).toBe(TABLE.deletionProtection);
    expect(devResources.RecordingsTable?.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('no unused role: each role belongs to a function, the default IamRoleLambdaExecution is gone', () => {
    const functionRoles = ofType('AWS::Lambda::Function').map(
      ([, fn]) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    );
    const roles = ofType('AWS::IAM::Role').map(([name]) => name);
    expect(roles.sort()).toEqual(functionRoles.sort());
    expect(roles).toHaveLength(FUNCTION_NAMES.length);
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('every alarm notifies the alarm topic (alarmEmail) or alarmTopicArn, OK included, and nobody without either', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.map(([name]) => name).sort()).toEqual(Object.keys(ALARMS).sort());
    for (const [name, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, name).toEqual(ALARM_ACTIONS);
      expect(alarm.Properties.OKActions, name).toEqual(ALARM_ACTIONS);
    }
    // What each alarm's actions resolve to for each way of setting the two parameters.
    for (const { name, parameters, actions, createsTopic } of ALARM_NOTIFICATION_CASES) {
      const conditions = conditionsFor(parameters);
      expect(conditions.CreateAlarmTopic, name).toBe(createsTopic);
      const ref = (logicalId: string) =>
        logicalId === 'AlarmTopic' ? 'topic' : parameters[logicalId as keyof typeof parameters];
      for (const [alarmName, alarm] of alarms) {
        for (const property of ['AlarmActions', 'OKActions']) {
          expect(
            resolveTemplateValue(alarm.Properties[property], conditions, ref),
            `${name}: ${alarmName} ${property}`,
          ).toEqual(actions);
        }
      }
    }
    for (const name of ALARM_TOPIC_RESOURCES) {
      expect(resources[name]?.Condition, name).toBe('CreateAlarmTopic');
    }
    expect(resources.AlarmEmailSubscription?.Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: { Ref: 'AlarmEmail' },
    });
  });

  describe('lost-callback sweep (README, "Lost callbacks")', () => {
    it('runs on the sweepRate schedule, 15 minutes by default, with the stale threshold and vendor endpoints', () => {
      const [[, rule] = ['', undefined]] = ofType('AWS::Events::Rule').filter(([name]) => name.startsWith('Sweep'));
      expect(rule?.Properties).toMatchObject({
        ScheduleExpression: SWEEP.schedule,
        State: 'ENABLED',
        Targets: [{ Arn: { 'Fn::GetAtt': ['SweepLambdaFunction', 'Arn'] } }],
      });
      const sweep = resources.SweepLambdaFunction as Resource;
      expect(sweep.Properties.Timeout).toBe(TIMEOUTS.sweep);
      // The next run is the retry: no asynchronous retries of a failed run.
      const [[, invokeConfig] = ['', undefined]] = ofType('AWS::Lambda::EventInvokeConfig');
      expect(invokeConfig?.Properties).toMatchObject({
        FunctionName: { Ref: 'SweepLambdaFunction' },
        MaximumRetryAttempts: SWEEP.asyncRetries,
      });
      expect((sweep.Properties.Environment as { Variables: object }).Variables).toEqual(ENVIRONMENTS.sweep);
      for (const name of ['QueryLambdaFunction', 'PublishLambdaFunction']) {
        const { Variables: environment } = (resources[name] as Resource).Properties.Environment as {
          Variables: object;
        };
        expect(environment, name).toMatchObject({ STALE_AFTER_HOURS: STAGE_DEFAULTS.staleAfterHours });
      }
    });

    it('role: reads the listing index and summaries, queues facts, reads the apps parameter; nothing else', () => {
      expect(grantsOf('SweepIamRoleLambdaExecution')).toEqual(expectedGrants(ROLE_GRANTS.sweep));
      // Said apart from the exact list so that a widened list cannot quietly grant a write (or a wildcard).
      const writes = actions('SweepIamRoleLambdaExecution').filter(
        (action) => SWEEP_WRITES.includes(action) || action.includes('*'),
      );
      expect(writes).toEqual([]);
    });

    it('alarm: any failed run', () => {
      expect(alarmProperties('SweepFailureAlarm')).toEqual(ALARMS.SweepFailureAlarm);
    });
  });

  it('HTTP API access logs: the stage logs to its own group, with the retention of the other logs', () => {
    const stage = resources.HttpApiStage?.Properties as {
      AccessLogSettings: { DestinationArn: unknown; Format: string };
    };
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] });
    expect(resources.HttpApiLogGroup?.Properties.RetentionInDays).toBe(LOG_RETENTION_DAYS);
    const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>;
    expect(format).toMatchObject({ routeKey: '$context.routeKey', status: '$context.status' });
    // Chat signs in the query string: the route key only, never the path with its query.
    expect(stage.AccessLogSettings.Format).not.toContain('$context.path');
  });

  it('the DLQ accepts redrives from the callback queue only (RedriveAllowPolicy byQueue)', () => {
    const queue = resources.CallbackQueue as Resource;
    const queueName = (queue.Properties.QueueName as { 'Fn::Sub': string })['Fn::Sub'];
    expect(resources.CallbackDeadLetterQueue?.Properties.RedriveAllowPolicy).toEqual({
      redrivePermission: 'byQueue',
      sourceQueueArns: [{ 'Fn::Sub': `arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:${queueName}` }],
    });
  });

  describe('recording events (README, "Recording events")', () => {
    const existing = { ExistingEventBusName: 'shared-bus' };

    it("by default: the stack's own bus; a stage parameter chooses an existing bus; no API destination any more", () => {
      expect(template.Parameters.ExistingEventBusName?.Default).toBe('');
      expect(conditionsFor({ ExistingEventBusName: '' })).toMatchObject({ CreateEventBus: true });
      expect(conditionsFor(existing)).toMatchObject({ CreateEventBus: false });
      expect(resources.RecordingEventBus?.Properties.Name).toBe(eventBusName(STAGE));
      expect(Object.keys(resources).filter((name) => name.startsWith('EventsWebhook'))).toEqual([]);
      expect(ofType('AWS::Events::ApiDestination')).toEqual([]);
    });

    it('publisher: summary versions that change the status only, ReportBatchItemFailures, bisect, bounded retries, a DLQ with an alarm', () => {
      const { logicalId, template: properties } = STREAM_MAPPINGS.publish;
      expect(resources[logicalId]?.Properties).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': ['RecordingsTable', 'StreamArn'] },
        FunctionName: { 'Fn::GetAtt': ['PublishLambdaFunction', 'Arn'] },
        FunctionResponseTypes: STREAM_RESPONSE_TYPES,
        ...properties,
      });
      expect(alarmProperties('PublicationFailureAlarm')).toEqual(ALARMS.PublicationFailureAlarm);
      const publish = resources.PublishLambdaFunction as Resource;
      const { Variables: environment } = publish.Properties.Environment as { Variables: object };
      expect(environment).toMatchObject({
        EVENT_BUS_NAME: EVENT_BUS,
        PUBLICATION_DLQ_URL: { Ref: 'PublicationDeadLetterQueue' },
      });
      expect(environment).toEqual(ENVIRONMENTS.publish);
    });

    it('publisher role: PutEvents on that bus only, table reads, its DLQ', () => {
      expect(grantsOf('PublishIamRoleLambdaExecution')).toEqual(expectedGrants(ROLE_GRANTS.publish));
    });

    it('the stream and webhook dead-letter queues outlive the stack, and each has an alarm', () => {
      for (const [queue, alarm] of DEAD_LETTER_ALARMS) {
        expect(resources[queue], queue).toMatchObject(RETAIN);
        expect(alarmProperties(alarm), alarm).toEqual(ALARMS[alarm]);
        expect(alarmProperties(alarm), alarm).toMatchObject({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        });
      }
    });

    it('signed webhooks: a rule for our two event types into the fan-out queue, retried 24 h, then the webhook DLQ', () => {
      expect(resources.WebhookRule?.Properties).toMatchObject({
        EventBusName: EVENT_BUS,
        EventPattern: {
          source: ['rtc-recording-callbacks'],
          'detail-type': ['Recording Status Changed', 'Recording Stale'],
        },
        State: 'ENABLED',
        Targets: [
          {
            Arn: { 'Fn::GetAtt': ['WebhookFanoutQueue', 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['WebhookDeadLetterQueue', 'Arn'] } },
          },
        ],
      });
      const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([name]) => name.startsWith('Deliver'));
      expect(mappings.map(([, mapping]) => mapping.Properties.EventSourceArn)).toEqual([
        { 'Fn::GetAtt': ['WebhookFanoutQueue', 'Arn'] },
        { 'Fn::GetAtt': ['WebhookDeliveryQueue', 'Arn'] },
      ]);
      for (const [, mapping] of mappings) {
        expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      }
      // A retry waits in the delivery queue's visibility timeout (≤ 12 h), kept up to 14 days.
      expect(resources.WebhookDeliveryQueue?.Properties).toMatchObject({
        MessageRetentionPeriod: QUEUE_RETENTION_SECONDS,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['WebhookDeadLetterQueue', 'Arn'] } },
      });
      // No secret in the template: the endpoints come from the SSM parameter at run time.
      expect(JSON.stringify(template)).not.toMatch(/whsec_/);
    });

    it('stage parameters reach the template: an existing bus, the alarm address, the sweep settings', () => {
      const result = spawnSync(
        'npx',
        [
          'serverless',
          'print',
          '--stage',
          'ci',
          '--format',
          'json',
          `--param=eventBusName=${existing.ExistingEventBusName}`,
          '--param=alarmEmail=ops@example.com',
          '--param=sweepRate=1 hour',
          '--param=staleAfterHours=0.5',
          '--param=trtcApiEndpoint=https://trtc.intl.tencentcloudapi.com',
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' },
        },
      );
      expect(result.status, result.stderr).toBe(0);
      const service = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
      expect(service.functions.sweep.events[0].schedule.rate).toEqual(['rate(1 hour)']);
      expect(service.functions.sweep.environment).toMatchObject({
        STALE_AFTER_HOURS: '0.5',
        TRTC_API_ENDPOINT: 'https://trtc.intl.tencentcloudapi.com',
      });
      const printed = service.resources;
      expect(printed.Parameters.ExistingEventBusName.Default).toBe(existing.ExistingEventBusName);
      expect(printed.Parameters.AlarmEmail.Default).toBe('ops@example.com');
    }, 60_000);
  });
});
