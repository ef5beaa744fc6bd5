import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../../lib/platforms';

type Resource = { Type: string; Properties: Record<string, unknown> };
let resources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
type Policy = { PolicyDocument: { Statement: { Action: string[] | string }[] } };
const statements = (role: string) =>
  (resources[role]?.Properties.Policies as Policy[] | undefined)?.[0]?.PolicyDocument.Statement ?? [];
const actions = (role: string) => statements(role).flatMap((statement) => [statement.Action].flat());

// `serverless package` offline, with no AWS credentials, into a temporary folder: the template users deploy.
beforeAll(() => {
  const out = mkdtempSync(join(tmpdir(), 'package-'));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
  const result = spawnSync('npx', ['serverless', 'package', '--stage', 'ci', '--package', out], {
    encoding: 'utf8',
    env,
  });
  expect(result.status, result.stdout + result.stderr).toBe(0);
  resources = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
}, 120_000);

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
        expect.objectContaining({ IndexName: 'byTime', Projection: { ProjectionType: 'ALL' } }),
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

  it('functions: nodejs22.x on arm64, log retention set, the apps document from an SSM parameter per stage', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    }
    for (const [, group] of ofType('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(30);
    const ingest = resources.IngestLambdaFunction as Resource;
    const environment = (ingest.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(environment).toMatchObject({
      QUEUE_URL: { Ref: 'CallbackQueue' },
      RECORDING_APPS_PARAMETER: '/rtc-recording-callbacks/ci/apps',
    });
  });
});
