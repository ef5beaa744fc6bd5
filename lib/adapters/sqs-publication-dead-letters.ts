import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { toQueueSafeJson } from '../json';
import type { PublicationDeadLetter, PublicationDeadLetters } from '../publish/stream-handler';
import type { AwsJsonClient } from './aws-json-client';
import { sendMessage } from './sqs-callback-queue';

/**
 * The publication dead-letter queue, written by the publisher itself for records no event can
 * describe. A letter names the record (its table keys, event name and stream sequence) and why;
 * the images stay in the table, where `rebuild-views` repairs them (an image can exceed SQS's
 * 256 KB message limit).
 */
export class SqsPublicationDeadLetters implements PublicationDeadLetters {
  readonly #client: AwsJsonClient;
  readonly #queueUrl: string;

  constructor(options: { client: AwsJsonClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(letters: readonly PublicationDeadLetter[]): Promise<void> {
    for (const letter of letters) {
      await sendMessage(this.#client, this.#queueUrl, toQueueSafeJson(describeLetter(letter)));
    }
  }
}

export function describeLetter({ reason, sequence, record }: PublicationDeadLetter) {
  const keys = record.dynamodb?.Keys;
  return {
    source: 'publish',
    reason,
    sequenceNumber: sequence,
    eventName: record.eventName,
    keys: keys ? unmarshall(keys as Record<string, AttributeValue>) : null,
    eventSourceARN: record.eventSourceARN ?? null,
  };
}
