import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../../lib/platforms';

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
  template = packageStage('ci');
  resources = template.Resources;
  // dev is the one stage whose stage parameters differ (deletion protection off).
  devResources = packageStage('dev').Resources;
}, 180_000);

/** A CloudFormation `Fn::Sub` string, written with `%{…}` so it does not read as a JS template. */
const fnSub = (text: string) => text.replaceAll('%{', '$' + '{');

/** Evaluates the template's conditions (Fn::Equals, Fn::Not over parameters) for some parameter values. */
function conditionsFor(parameters: Record<string, string>): Record<string, boolean> {
  const value = (node: unknown): unknown => {
    if (typeof node !== 'object' || node === null) return node;
    const [[fn, args]] = Object.entries(node) as [[string, unknown]];
    if (fn === 'Ref') return parameters[args as string];
    if (fn === 'Fn::Equals') return value((args as unknown[])[0]) === value((args as unknown[])[1]);
    if (fn === 'Fn::Not') return !value((args as unknown[])[0]);
    throw new Error(`unexpected ${fn} in a condition`);
  };
  return Object.fromEntries(Object.entries(template.Conditions).map(([name, node]) => [name, value(node) as boolean]));
}

describe('the packaged CloudFormation template', () => {
  it('routes: one public callback route per registry endpoint, five GET routes under AWS_IAM', () => {
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
    });
  });

  it('queue: SSE, a DLQ after ≥ 5 receives, visibility ≥ 6 × the process timeout', () => {
    const queue = resources.CallbackQueue?.Properties as Record<string, unknown> & {
      RedrivePolicy: { maxReceiveCount: number };
    };
    const processTimeout = resources.ProcessLambdaFunction?.Properties.Timeout as number;
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(resources.CallbackDeadLetterQueue?.Properties.SqsManagedSseEnabled).toBe(true);
    expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(queue.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * processTimeout);
  });

  it('event source: ReportBatchItemFailures, batch 10, window 1 s', () => {
    expect(resources.ProcessEventSourceMappingSQSCallbackQueue?.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
    });
  });

  it('projector: new event items only, ReportBatchItemFailures, bisect, bounded retries, a DLQ with an alarm', () => {
    expect(resources.ProjectEventSourceMappingDynamodbRecordingsTable?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['RecordingsTable', 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['ProjectionDeadLetterQueue', 'Arn'] } } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { Keys: { sk: { S: [{ prefix: 'EVENT#' }] } } },
            }),
          },
        ],
      },
    });
    expect(resources.ProjectionFailureAlarm?.Properties).toMatchObject({
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['ProjectionDeadLetterQueue', 'QueueName'] } }],
      Threshold: 0,
    });
    expect(
      actions('ProjectIamRoleLambdaExecution')
        .filter((action) => action.startsWith('dynamodb:'))
        .sort(),
    ).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetItem',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    // The on-failure destination: without it the mapping cannot record a batch it gives up on.
    expect(statements('ProjectIamRoleLambdaExecution')).toContainEqual(
      expect.objectContaining({
        Action: ['sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': ['ProjectionDeadLetterQueue', 'Arn'] },
      }),
    );
  });

  it('table: on demand, PITR, TTL, SSE, a stream, the room and time indexes', () => {
    expect(resources.RecordingsTable?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
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

  it('alarms: DLQ depth > 0 and the oldest queued message', () => {
    expect(resources.DeadLetterQueueAlarm?.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(resources.OldestQueuedMessageAlarm?.Properties).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
    });
  });

  it('roles: ingest may send and read its parameter only; process only PutItem; query only reads', () => {
    expect(actions('IngestIamRoleLambdaExecution').filter((action) => !action.startsWith('logs:'))).toEqual([
      'sqs:SendMessage',
      'ssm:GetParameter',
    ]);
    expect(actions('ProcessIamRoleLambdaExecution').filter((action) => action.startsWith('dynamodb:'))).toEqual([
      'dynamodb:PutItem',
    ]);
    expect(actions('QueryIamRoleLambdaExecution').filter((action) => !action.startsWith('logs:'))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
    ]);
    for (const role of ['IngestIamRoleLambdaExecution', 'QueryIamRoleLambdaExecution']) {
      expect(actions(role).some((action) => action.startsWith('sqs:Receive') || action === 'dynamodb:PutItem')).toBe(
        false,
      );
    }
  });

  it('functions: nodejs24.x on arm64, log retention set, the apps document from an SSM parameter per stage', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    }
    for (const [, group] of ofType('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(30);
    const ingest = resources.IngestLambdaFunction as Resource;
    const environment = (ingest.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(environment).toMatchObject({
      QUEUE_URL: { Ref: 'CallbackQueue' },
      RECORDING_APPS_PARAMETER: '/rtc-recording-callbacks/ci/apps',
    });
  });

  it('data survives the stack: table and both queues Retain on delete and on replacement', () => {
    for (const name of ['RecordingsTable', 'CallbackQueue', 'CallbackDeadLetterQueue']) {
      expect(resources[name], name).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('table deletion protection: a stage parameter, on by default, off for dev', () => {
    expect(resources.RecordingsTable?.Properties.DeletionProtectionEnabled).toBe(true);
    expect(devResources.RecordingsTable?.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('no unused role: each role belongs to a function (or to the webhook rule), the default IamRoleLambdaExecution is gone', () => {
    const functionRoles = ofType('AWS::Lambda::Function').map(
      ([, fn]) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    );
    // EventBridge assumes the webhook rule's role to invoke the API destination; it exists only with a webhook.
    const roles = ofType('AWS::IAM::Role')
      .filter(([name]) => name !== 'EventsWebhookRole')
      .map(([name]) => name);
    expect(roles.sort()).toEqual(functionRoles.sort());
    expect(roles).toHaveLength(6);
    expect(resources.EventsWebhookRole?.Condition).toBe('DeliverToWebhook');
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  describe('lost-callback sweep (README, "Lost callbacks")', () => {
    it('runs on the sweepRate schedule, 15 minutes by default, with the stale threshold and vendor endpoints', () => {
      const [[, rule] = ['', undefined]] = ofType('AWS::Events::Rule').filter(([name]) => name.startsWith('Sweep'));
      expect(rule?.Properties).toMatchObject({
        ScheduleExpression: 'rate(15 minutes)',
        State: 'ENABLED',
        Targets: [{ Arn: { 'Fn::GetAtt': ['SweepLambdaFunction', 'Arn'] } }],
      });
      const sweep = resources.SweepLambdaFunction as Resource;
      expect(sweep.Properties.Timeout).toBe(300);
      // The next run is the retry: no asynchronous retries of a failed run.
      const [[, invokeConfig] = ['', undefined]] = ofType('AWS::Lambda::EventInvokeConfig');
      expect(invokeConfig?.Properties).toMatchObject({
        FunctionName: { Ref: 'SweepLambdaFunction' },
        MaximumRetryAttempts: 0,
      });
      expect((sweep.Properties.Environment as { Variables: object }).Variables).toEqual({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'rtc-recording-callbacks',
        POWERTOOLS_METRICS_NAMESPACE: 'RtcRecordingCallbacks',
        TABLE_NAME: { Ref: 'RecordingsTable' },
        QUEUE_URL: { Ref: 'CallbackQueue' },
        RECORDING_APPS_PARAMETER: '/rtc-recording-callbacks/ci/apps',
        STALE_AFTER_HOURS: '6',
        TRTC_API_ENDPOINT: '',
        SPARKRTC_API_ENDPOINT: '',
      });
      for (const name of ['QueryLambdaFunction', 'PublishLambdaFunction']) {
        const { Variables: environment } = (resources[name] as Resource).Properties.Environment as {
          Variables: object;
        };
        expect(environment, name).toMatchObject({ STALE_AFTER_HOURS: '6' });
      }
    });

    it('role: reads the listing index and summaries, queues facts, reads the apps parameter; nothing else', () => {
      expect(actions('SweepIamRoleLambdaExecution').filter((action) => !action.startsWith('logs:'))).toEqual([
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
        'sqs:SendMessage',
        'ssm:GetParameter',
      ]);
      const resourceOf = (action: string) =>
        statements('SweepIamRoleLambdaExecution').find((statement) => [statement.Action].flat().includes(action))
          ?.Resource;
      expect(resourceOf('dynamodb:Query')).toEqual({ 'Fn::Sub': fnSub('%{RecordingsTable.Arn}/index/byTime') });
      expect(resourceOf('dynamodb:BatchGetItem')).toEqual({ 'Fn::GetAtt': ['RecordingsTable', 'Arn'] });
      expect(resourceOf('sqs:SendMessage')).toEqual({ 'Fn::GetAtt': ['CallbackQueue', 'Arn'] });
    });

    it('alarm: any failed run', () => {
      expect(resources.SweepFailureAlarm?.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'SweepLambdaFunction' } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });
  });

  it('HTTP API access logs: the stage logs to its own group, with the retention of the other logs', () => {
    const stage = resources.HttpApiStage?.Properties as {
      AccessLogSettings: { DestinationArn: unknown; Format: string };
    };
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] });
    expect(resources.HttpApiLogGroup?.Properties.RetentionInDays).toBe(30);
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
    const existing = { ExistingEventBusName: 'shared-bus', EventsWebhookUrl: 'https://hooks.example.com/recordings' };
    const present = (conditions: Record<string, boolean>) =>
      Object.keys(resources)
        .filter((name) => {
          const condition = resources[name]?.Condition;
          return condition === undefined || conditions[condition];
        })
        .filter((name) => /^(RecordingEventBus|EventsWebhook)/.test(name));

    it("by default: the stack's own bus, no webhook; stage parameters choose an existing bus and a webhook", () => {
      expect(template.Parameters.ExistingEventBusName?.Default).toBe('');
      expect(template.Parameters.EventsWebhookUrl?.Default).toBe('');
      const defaults = conditionsFor({ ExistingEventBusName: '', EventsWebhookUrl: '' });
      expect(defaults).toEqual({ CreateEventBus: true, DeliverToWebhook: false });
      expect(present(defaults)).toEqual(['RecordingEventBus']);
      const chosen = conditionsFor(existing);
      expect(chosen).toEqual({ CreateEventBus: false, DeliverToWebhook: true });
      expect(present(chosen).sort()).toEqual([
        'EventsWebhookConnection',
        'EventsWebhookDeadLetterQueue',
        'EventsWebhookDeadLetterQueuePolicy',
        'EventsWebhookDestination',
        'EventsWebhookFailureAlarm',
        'EventsWebhookRole',
        'EventsWebhookRule',
      ]);
      expect(resources.RecordingEventBus?.Properties.Name).toBe('rtc-recording-callbacks-ci');
    });

    it('publisher: summary versions that change the status only, ReportBatchItemFailures, bisect, bounded retries, a DLQ with an alarm', () => {
      expect(resources.PublishEventSourceMappingDynamodbRecordingsTable?.Properties).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': ['RecordingsTable', 'StreamArn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 2000,
        MaximumRecordAgeInSeconds: 21600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['PublicationDeadLetterQueue', 'Arn'] } } },
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                eventName: ['INSERT', 'MODIFY'],
                dynamodb: { Keys: { sk: { S: ['SUMMARY'] } }, NewImage: { statusChanged: { BOOL: [true] } } },
              }),
            },
            {
              Pattern: JSON.stringify({
                eventName: ['INSERT'],
                dynamodb: { Keys: { sk: { S: [{ prefix: 'STALE#' }] } } },
              }),
            },
          ],
        },
      });
      expect(resources.PublicationFailureAlarm?.Properties).toMatchObject({
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['PublicationDeadLetterQueue', 'QueueName'] } }],
        Threshold: 0,
      });
      const publish = resources.PublishLambdaFunction as Resource;
      const { Variables: environment } = publish.Properties.Environment as { Variables: object };
      expect(environment).toMatchObject({
        EVENT_BUS_NAME: { 'Fn::If': ['CreateEventBus', { Ref: 'RecordingEventBus' }, { Ref: 'ExistingEventBusName' }] },
        PUBLICATION_DLQ_URL: { Ref: 'PublicationDeadLetterQueue' },
      });
    });

    it('publisher role: PutEvents on that bus only, table reads, its DLQ', () => {
      expect(
        actions('PublishIamRoleLambdaExecution')
          .filter((action) => !action.startsWith('logs:'))
          .sort(),
      ).toEqual([
        'dynamodb:DescribeStream',
        'dynamodb:GetItem',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'events:PutEvents',
        'sqs:SendMessage',
      ]);
      const resourceOf = (action: string) =>
        statements('PublishIamRoleLambdaExecution').find((statement) => [statement.Action].flat().includes(action))
          ?.Resource;
      expect(resourceOf('events:PutEvents')).toEqual({
        'Fn::If': [
          'CreateEventBus',
          { 'Fn::GetAtt': ['RecordingEventBus', 'Arn'] },
          {
            'Fn::Sub': fnSub(
              'arn:%{AWS::Partition}:events:%{AWS::Region}:%{AWS::AccountId}:event-bus/%{ExistingEventBusName}',
            ),
          },
        ],
      });
      expect(resourceOf('sqs:SendMessage')).toEqual({ 'Fn::GetAtt': ['PublicationDeadLetterQueue', 'Arn'] });
      expect(resourceOf('dynamodb:GetItem')).toEqual({ 'Fn::GetAtt': ['RecordingsTable', 'Arn'] });
    });

    it('the stream and webhook dead-letter queues outlive the stack, and each has an alarm', () => {
      for (const [queue, alarm] of [
        ['ProjectionDeadLetterQueue', 'ProjectionFailureAlarm'],
        ['PublicationDeadLetterQueue', 'PublicationFailureAlarm'],
        ['EventsWebhookDeadLetterQueue', 'EventsWebhookFailureAlarm'],
      ] as const) {
        expect(resources[queue], queue).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
        expect(resources[alarm]?.Properties, alarm).toMatchObject({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        });
      }
    });

    it('webhook: API-key connection, API destination, a rule for our source with a role, retries and a DLQ', () => {
      expect(resources.EventsWebhookConnection?.Properties).toEqual({
        Description: expect.any(String),
        AuthorizationType: 'API_KEY',
        AuthParameters: {
          ApiKeyAuthParameters: {
            ApiKeyName: 'x-api-key',
            // A dynamic reference by default: the key itself is never in the template.
            ApiKeyValue: '{{resolve:secretsmanager:rtc-recording-callbacks/ci/events-webhook:SecretString:apiKey}}',
          },
        },
      });
      expect(resources.EventsWebhookDestination?.Properties).toMatchObject({
        ConnectionArn: { 'Fn::GetAtt': ['EventsWebhookConnection', 'Arn'] },
        InvocationEndpoint: { Ref: 'EventsWebhookUrl' },
        HttpMethod: 'POST',
      });
      expect(resources.EventsWebhookRule?.Properties).toMatchObject({
        EventBusName: { 'Fn::If': ['CreateEventBus', { Ref: 'RecordingEventBus' }, { Ref: 'ExistingEventBusName' }] },
        EventPattern: { source: ['rtc-recording-callbacks'] },
        State: 'ENABLED',
        Targets: [
          {
            Arn: { 'Fn::GetAtt': ['EventsWebhookDestination', 'Arn'] },
            RoleArn: { 'Fn::GetAtt': ['EventsWebhookRole', 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['EventsWebhookDeadLetterQueue', 'Arn'] } },
          },
        ],
      });
      expect(actions('EventsWebhookRole')).toEqual(['events:InvokeApiDestination']);
      expect(statements('EventsWebhookRole')[0]?.Resource).toEqual({
        'Fn::GetAtt': ['EventsWebhookDestination', 'Arn'],
      });
      expect(resources.EventsWebhookFailureAlarm?.Properties).toMatchObject({
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['EventsWebhookDeadLetterQueue', 'QueueName'] } }],
      });
    });

    it('stage parameters reach the template: an existing bus, the webhook URL and key, the sweep settings', () => {
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
          `--param=eventsWebhookUrl=${existing.EventsWebhookUrl}`,
          '--param=eventsWebhookApiKey={{resolve:secretsmanager:my-webhook:SecretString:apiKey}}',
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
      expect(printed.Parameters.EventsWebhookUrl.Default).toBe(existing.EventsWebhookUrl);
      expect(printed.Resources.EventsWebhookConnection.Properties.AuthParameters.ApiKeyAuthParameters.ApiKeyValue).toBe(
        '{{resolve:secretsmanager:my-webhook:SecretString:apiKey}}',
      );
    }, 60_000);
  });
});
