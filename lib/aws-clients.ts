import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * AWS clients as the handlers build them. Endpoints come from the SDK's own
 * AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL_DYNAMODB variables, which is how the local stack and the
 * tests point the same handlers at the emulators.
 */
export function createSqsClient(): SQSClient {
  // The vendors give up after 2 s (Chat) or 5 s (TRTC): fail fast enough to answer 503 in time.
  return new SQSClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 500, requestTimeout: 1500 },
    // With an endpoint override (an emulator), send to that endpoint even when the queue URL names
    // another host; on AWS the queue URL's own host is right.
    useQueueUrlAsEndpoint: !process.env.AWS_ENDPOINT_URL_SQS,
  });
}

export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is required`);
  return value;
}

export function optionalNumberEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`Environment variable ${name} must be a positive number`);
  return value;
}
