import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { encodeSweepMessage, type SweepMessage } from '../model/sweep-message';
import type { SweepQueue } from '../sweep/sweep';

/** SendMessageBatch takes at most ten entries. */
const BATCH_ENTRIES = 10;
const MAX_ATTEMPTS = 3;

/**
 * The sweep's messages onto the callbacks queue, ten at a time. Entries SQS fails on its side are
 * sent again with backoff; still failing after three attempts, or refused as the sender's fault,
 * the send fails and the sweep tries again next run. The
 * SDK checks the MD5 SQS returns for each entry.
 */
export class SqsSweepQueue implements SweepQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(messages: readonly SweepMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += BATCH_ENTRIES) {
      let entries: SendMessageBatchRequestEntry[] = messages
        .slice(start, start + BATCH_ENTRIES)
        .map((message, index) => ({ Id: String(index), MessageBody: encodeSweepMessage(message) }));
      for (let attempt = 1; entries.length > 0; attempt += 1) {
        const { Failed: failed = [] } = await this.#client.send(
          new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries }),
        );
        // A sender fault (a bad entry) fails the same way again: only SQS's own faults are retried.
        if (failed.length > 0 && (attempt >= MAX_ATTEMPTS || failed.some((entry) => entry.SenderFault))) {
          throw new Error(`SendMessageBatch refused ${failed.length} entries: ${failed[0]?.Code ?? 'unknown'}`);
        }
        const refused = new Set(failed.map((entry) => entry.Id));
        entries = entries.filter((entry) => refused.has(entry.Id));
        if (entries.length > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }
}
