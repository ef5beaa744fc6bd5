import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { localLambdaContext } from './lambda-context';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  handler: StreamHandler;
  /** The event source mapping's filter: records it refuses never reach the handler (serverless.yml). */
  filter?: (record: DynamoDBRecord) => boolean;
  batchSize?: number;
  /** Pause between polls when the stream is quiet. */
  idleMs?: number;
  /** Retries of a failing batch before it is reported and skipped, as the mapping's MaximumRetryAttempts. */
  maxRetryAttempts?: number;
  /**
   * Where to start in the shards open now, as the mapping's StartingPosition: LATEST skips what is
   * already there (call `initialize()` before writing); shards that open later start at their start.
   */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** A batch given up on: in AWS it goes to the mapping's on-failure destination. */
  onDiscard?: (records: DynamoDBRecord[]) => void;
  /** The function the handler stands for, as its Lambda context names it. */
  functionName?: string;
}

interface ShardCursor {
  readonly parentId: string | undefined;
  iterator: string | undefined;
  /** Where to start when a new iterator is needed: after the last record handled, or at a failed one. */
  resume: { type: 'AFTER_SEQUENCE_NUMBER' | 'AT_SEQUENCE_NUMBER'; sequence: string } | undefined;
  attempts: number;
  done: boolean;
}

/**
 * The local stand-in for Lambda's DynamoDB Streams event source mapping, over DynamoDB Local's
 * stream: shards in order (a child after its parent), batches of records, ReportBatchItemFailures
 * (resume at the reported record), a retry limit, and the mapping's filter.
 */
export class StreamPoller {
  readonly #options: Required<Omit<StreamPollerOptions, 'onDiscard' | 'filter'>> &
    Pick<StreamPollerOptions, 'onDiscard' | 'filter'>;
  readonly #shards = new Map<string, ShardCursor>();
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(options: StreamPollerOptions) {
    this.#options = {
      batchSize: 100,
      idleMs: 100,
      maxRetryAttempts: 10,
      startingPosition: 'TRIM_HORIZON',
      functionName: 'project',
      ...options,
    };
  }

  /** Takes the starting position in every shard open now. */
  async initialize(): Promise<void> {
    if (this.#shards.size > 0) return;
    await this.#discoverShards(this.#options.startingPosition);
    if (this.#options.startingPosition === 'TRIM_HORIZON') return;
    await Promise.all(
      [...this.#shards].map(async ([shardId, shard]) => {
        const { ShardIterator: iterator } = await this.#options.client.send(
          new GetShardIteratorCommand({
            StreamArn: this.#options.streamArn,
            ShardId: shardId,
            ShardIteratorType: 'LATEST',
          }),
        );
        shard.iterator = iterator;
      }),
    );
  }

  /**
   * One pass over every readable shard: how many records were read from the stream, how many of
   * them passed the filter and reached the handler, and how many of those failed.
   */
  async pollOnce(): Promise<{ read: number; received: number; failed: number }> {
    await this.initialize();
    await this.#discoverShards('TRIM_HORIZON');
    let read = 0;
    let received = 0;
    let failed = 0;
    for (const [shardId, shard] of this.#shards) {
      if (shard.done) continue;
      const parent = shard.parentId ? this.#shards.get(shard.parentId) : undefined;
      if (parent && !parent.done) continue;
      const records = await this.#read(shardId, shard);
      if (records.length === 0) continue;
      read += records.length;
      const outcome = await this.#deliver(shard, records);
      received += outcome.received;
      failed += outcome.failed;
    }
    return { read, received, failed };
  }

  /** Polls until a pass reads nothing new (filtered records count: more may follow them), or throws after `timeoutMs`. */
  async drain(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { read, failed } = await this.pollOnce();
      if (read === 0 && failed === 0) return;
      if (Date.now() > deadline) throw new Error('stream did not drain in time');
    }
  }

  start(onError: (error: unknown) => void = () => {}): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          const { read, failed } = await this.pollOnce();
          if (read === 0 || failed > 0) await sleep(this.#options.idleMs);
        } catch (error) {
          onError(error);
          await sleep(1000);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async #discoverShards(position: 'TRIM_HORIZON' | 'LATEST'): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription: description } = await this.#options.client.send(
        new DescribeStreamCommand({ StreamArn: this.#options.streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of description?.Shards ?? []) {
        if (!shard.ShardId || this.#shards.has(shard.ShardId)) continue;
        // A closed shard is history when starting at LATEST: nothing in it is new.
        const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
        this.#shards.set(shard.ShardId, {
          parentId: shard.ParentShardId,
          iterator: undefined,
          resume: undefined,
          attempts: 0,
          done: position === 'LATEST' && closed,
        });
      }
      exclusiveStartShardId = description?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  async #read(shardId: string, shard: ShardCursor, retried = false): Promise<StreamRecord[]> {
    const { client, streamArn, batchSize } = this.#options;
    if (!shard.iterator) {
      const { ShardIterator: iterator } = await client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: shard.resume?.type ?? 'TRIM_HORIZON',
          SequenceNumber: shard.resume?.sequence,
        }),
      );
      shard.iterator = iterator;
    }
    try {
      const { Records: records = [], NextShardIterator: next } = await client.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize }),
      );
      shard.iterator = next;
      if (!next) shard.done = true;
      return records;
    } catch (error) {
      // Iterators expire (15 minutes in AWS, sooner in DynamoDB Local): start again from where we
      // were, now, so that a drain never mistakes an expired iterator for a caught-up shard.
      if (error instanceof ExpiredIteratorException && !retried) {
        shard.iterator = undefined;
        return this.#read(shardId, shard, true);
      }
      throw error;
    }
  }

  async #deliver(shard: ShardCursor, records: StreamRecord[]): Promise<{ received: number; failed: number }> {
    const all = records.map((record) => toLambdaRecord(record, this.#options.streamArn));
    const delivered = this.#options.filter ? all.filter(this.#options.filter) : all;
    const lastSequence = all[all.length - 1]?.dynamodb?.SequenceNumber ?? '';
    let failedAt: string | undefined;
    if (delivered.length > 0) {
      try {
        const response = await this.#options.handler(
          { Records: delivered },
          localLambdaContext(this.#options.functionName, 60_000),
        );
        failedAt = response?.batchItemFailures?.[0]?.itemIdentifier;
      } catch {
        failedAt = delivered[0]?.dynamodb?.SequenceNumber;
      }
    }
    if (failedAt === undefined) {
      shard.resume = { type: 'AFTER_SEQUENCE_NUMBER', sequence: lastSequence };
      shard.attempts = 0;
      return { received: delivered.length, failed: 0 };
    }
    shard.attempts += 1;
    if (shard.attempts > this.#options.maxRetryAttempts) {
      this.#options.onDiscard?.(delivered);
      shard.resume = { type: 'AFTER_SEQUENCE_NUMBER', sequence: lastSequence };
      shard.attempts = 0;
      return { received: delivered.length, failed: delivered.length };
    }
    // Read again from the failed record; the shard is not done while it has one to retry.
    shard.resume = { type: 'AT_SEQUENCE_NUMBER', sequence: failedAt };
    shard.iterator = undefined;
    shard.done = false;
    const failedIndex = delivered.findIndex((record) => record.dynamodb?.SequenceNumber === failedAt);
    return { received: delivered.length, failed: delivered.length - Math.max(0, failedIndex) };
  }
}

function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const data = record.dynamodb;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'us-east-1',
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: data?.ApproximateCreationDateTime
        ? Math.floor(data.ApproximateCreationDateTime.getTime() / 1000)
        : undefined,
      Keys: data?.Keys as never,
      NewImage: data?.NewImage as never,
      OldImage: data?.OldImage as never,
      SequenceNumber: data?.SequenceNumber,
      SizeBytes: data?.SizeBytes,
      StreamViewType: data?.StreamViewType,
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
