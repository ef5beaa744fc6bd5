import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isServiceUnavailable } from '../../../lib/adapters/aws-errors';

describe('isServiceUnavailable: 503 for an outage, 500 for our own bug', () => {
  it.each([
    ['a DynamoDB throttle', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })],
    ['any SDK service error', new ConditionalCheckFailedException({ message: 'x', $metadata: {} })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' })],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('%s is unavailable', (_name, error) => expect(isServiceUnavailable(error)).toBe(true));

  it.each([
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'map')")],
    ['a RangeError', new RangeError('Invalid time value')],
    ['a string', 'boom'],
  ])('%s is a bug', (_name, error) => expect(isServiceUnavailable(error)).toBe(false));
});
