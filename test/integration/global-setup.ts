import type { TestProject } from 'vitest/node';
import { provisionLocalResources, startDynamoDbLocal, startSqsEmulator } from '../../local/emulators';

export interface LocalStackInfo {
  dynamodbEndpoint: string;
  dynamodbPid: number | undefined;
  sqsEndpoint: string;
  tableName: string;
  streamArn: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
  projectionDeadLetterQueueUrl: string;
  publicationDeadLetterQueueUrl: string;
  webhookFanoutQueueUrl: string;
  webhookDeliveryQueueUrl: string;
  webhookDeadLetterQueueUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localStack: LocalStackInfo;
  }
}

/** Starts DynamoDB Local and fauxqs once for the integration run, on free ports, and stops them after. */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const [dynamodb, sqs] = await Promise.all([startDynamoDbLocal(), startSqsEmulator()]);
  const resources = await provisionLocalResources({ dynamodb: dynamodb.endpoint, sqs: sqs.endpoint });
  console.log(`emulators ready in ${Date.now() - started} ms (DynamoDB Local :${dynamodb.port}, fauxqs :${sqs.port})`);
  project.provide('localStack', {
    dynamodbEndpoint: dynamodb.endpoint,
    dynamodbPid: dynamodb.pid,
    sqsEndpoint: sqs.endpoint,
    ...resources,
  });
  return async () => {
    await Promise.all([dynamodb.stop(), sqs.stop()]);
  };
}
