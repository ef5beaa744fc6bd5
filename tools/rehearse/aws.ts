import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';

/** Fake keys for the emulator: the rehearsal never holds real credentials, so it cannot reach an account. */
export const REHEARSAL_CREDENTIALS = { accessKeyId: 'rehearsal', secretAccessKey: 'rehearsal' } as const;
export const REHEARSAL_REGION = 'us-east-1';

export interface RehearsalClients {
  readonly cloudformation: CloudFormationClient;
  readonly dynamodb: DynamoDBClient;
  readonly events: EventBridgeClient;
  readonly iam: IAMClient;
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly ssm: SSMClient;
  destroy(): void;
}

export function createClients(endpoint: string): RehearsalClients {
  const config = { endpoint, region: REHEARSAL_REGION, credentials: REHEARSAL_CREDENTIALS };
  const clients = {
    cloudformation: new CloudFormationClient(config),
    dynamodb: new DynamoDBClient(config),
    events: new EventBridgeClient(config),
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    // moto serves buckets by path, not as <bucket>.127.0.0.1.
    s3: new S3Client({ ...config, forcePathStyle: true }),
    // moto's queue URLs name sqs.<region>.amazonaws.com: always call the emulator.
    sqs: new SQSClient({ ...config, useQueueUrlAsEndpoint: false }),
    ssm: new SSMClient(config),
  };
  return {
    ...clients,
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/**
 * The environment for serverless and the Python tools: ours minus every AWS_* variable (no profile,
 * token or endpoint of the caller's can leak in), plus the emulator and the fake keys.
 */
export function emulatorEnvironment(endpoint?: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return {
    ...env,
    AWS_ACCESS_KEY_ID: REHEARSAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: REHEARSAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: REHEARSAL_REGION,
    ...(endpoint ? { AWS_ENDPOINT_URL: endpoint } : {}),
  };
}
