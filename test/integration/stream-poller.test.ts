import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueId, useLocalStack } from './local-stack';

let stack: Awaited<ReturnType<typeof useLocalStack>>;
beforeAll(async () => {
  stack = await useLocalStack();
});

describe('the local stream event source mapping', () => {
  it('reads past whole batches its filter refuses, and resumes at the record a handler reports failed', async () => {
    const seen: string[] = [];
    let failOnce = true;
    const reader = await stack.projection(async (event) => {
      const keys = event.Records.map((record: DynamoDBRecord) => record.dynamodb?.Keys?.sk?.S ?? '');
      if (failOnce && keys.length > 1) {
        failOnce = false;
        // Everything from the second record on comes back; the first was handled.
        seen.push(keys[0] as string);
        return { batchItemFailures: [{ itemIdentifier: event.Records[1]?.dynamodb?.SequenceNumber ?? '' }] };
      }
      seen.push(...keys);
      return { batchItemFailures: [] };
    });
    const pk = uniqueId('REC#stream');
    const put = (sk: string) =>
      stack.documentClient.send(new PutCommand({ TableName: stack.stack.tableName, Item: { pk, sk } }));
    // 250 records the filter refuses (more than two batches of 100), then three it takes.
    for (let i = 0; i < 250; i += 1) await put(`FILE#${String(i).padStart(3, '0')}`);
    for (const sk of ['EVENT#1#a', 'EVENT#1#b', 'EVENT#1#c']) await put(sk);
    await reader.drain();
    expect(seen).toEqual(['EVENT#1#a', 'EVENT#1#b', 'EVENT#1#c']);
  });
});
