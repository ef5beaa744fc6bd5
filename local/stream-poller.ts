import { randomUUID } from 'node:crypto';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { compareSequences } from '../lib/adapters/table-layout';
import { toQueueSafeJson } from '../lib/json';
import { localLambdaContext } from './lambda-context';

/** Retries of a record that keeps failing, locally, before it is dead-lettered (STREAM_RETRY_ATTEMPTS). */
export const DEFAULT_STREAM_RETRY_ATTEMPTS = 10;

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
  /**
   * Retries of a failing record before it is dead-lettered and the shard moves past it, as the
   * mapping's MaximumRetryAttempts: a record reaches the handler at most `1 + maxRetryAttempts` times.
   */
  maxRetryAttempts?: number;
  /** Backoff before the n-th retry of a record: `retryDelayMs × 2^(n-1)`, at most `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /**
   * Where to start in the shards open now, as the mapping's StartingPosition: LATEST skips what is
   * already there (call `initialize()` before writing); shards that open later start at their start.
   */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /**
   * Where a record given up on is sent, as the mapping's on-failure destination: the message has the
   * shape of Lambda's (`DDBStreamBatchInfo` names the shard and sequence range, here one record), plus
   * the record itself under `record`, which only the local stack adds.
   */
  deadLetterQueue?: { client: SQSClient; queueUrl: string };
  /** A record given up on (after it is dead-lettered); throwing stops the poll that gave up. */
  onDiscard?: (records: DynamoDBRecord[]) => void;
  /** The function the handler stands for, as its Lambda context names it. */
  functionName?: string;
}

interface ShardCursor {
  readonly parentId: string | undefined;
  iterator: string | undefined;
  /** Where to start when a new iterator is needed: after the last record handled, or at a failed one. */
  resume: { type: 'AFTER_SEQUENCE_NUMBER' | 'AT_SEQUENCE_NUMBER'; sequence: string } | undefined;
  /** The record that keeps failing, and how many deliveries of it failed. */
  failing: { sequence: string; attempts: number } | undefined;
  /** Records per read: the batch size, halved while the first record of a batch fails (bisect). */
  limit: number;
  /** No read before this time (ms): the backoff before a retry. */
  notBefore: number;
  done: boolean;
}

/** Lambda's on-failure record for a stream batch (its `DDBStreamBatchInfo`), for one record. */
export interface StreamDeadLetter {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string | undefined;
    approximateArrivalOfLastRecord: string | undefined;
    batchSize: 1;
    streamArn: string;
  };
  /** Local only: the record itself (Lambda's message names the range; the stream keeps records 24 h). */
  record: DynamoDBRecord;
}

/**
 * The local stand-in for Lambda's DynamoDB Streams event source mapping, over DynamoDB Local's
 * stream: shards in order (a child after its parent), batches of records, ReportBatchItemFailures
 * (resume at the lowest reported record, with everything after it), and the mapping's filter. A
 * record that fails is isolated as the mapping's bisect and retry limit do: while the first record
 * of a batch fails the batch is halved, each retry waits a growing backoff (never a tight loop; other
 * shards go on meanwhile), and after `maxRetryAttempts` retries that one record goes to the dead-letter
 * queue and the shard moves past it.
 */
export class StreamPoller {
  readonly #options: Required<Omit<StreamPollerOptions, 'onDiscard' | 'filter' | 'deadLetterQueue'>> &
    Pick<StreamPollerOptions, 'onDiscard' | 'filter' | 'deadLetterQueue'>;
  readonly #shards = new Map<string, ShardCursor>();
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(options: StreamPollerOptions) {
    this.#options = {
      batchSize: 100,
      idleMs: 100,
      maxRetryAttempts: DEFAULT_STREAM_RETRY_ATTEMPTS,
      retryDelayMs: 500,
      maxRetryDelayMs: 30_000,
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
   * them passed the filter and reached the handler, how many of those failed, how many records were
   * dead-lettered, and how many shards wait to retry a record (their backoff).
   */
  async pollOnce(): Promise<{ read: number; received: number; failed: number; deadLettered: number; waiting: number }> {
    await this.initialize();
    await this.#discoverShards('TRIM_HORIZON');
    let read = 0;
    let received = 0;
    let failed = 0;
    let deadLettered = 0;
    let waiting = 0;
    for (const [shardId, shard] of this.#shards) {
      if (shard.done) continue;
      const parent = shard.parentId ? this.#shards.get(shard.parentId) : undefined;
      if (parent && !parent.done) continue;
      if (Date.now() < shard.notBefore) {
        waiting += 1;
        continue;
      }
      const records = await this.#read(shardId, shard);
      if (records.length === 0) continue;
      read += records.length;
      const outcome = await this.#deliver(shardId, shard, records);
      received += outcome.received;
      failed += outcome.failed;
      deadLettered += outcome.deadLettered;
      if (shard.notBefore > Date.now()) waiting += 1;
    }
    return { read, received, failed, deadLettered, waiting };
  }

  /**
   * Polls until a pass reads nothing new (filtered records count: more may follow them) and no
   * record waits for a retry, or throws after `timeoutMs`.
   */
  async drain(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { read, failed, waiting } = await this.pollOnce();
      if (read === 0 && failed === 0 && waiting === 0) return;
      if (Date.now() > deadline) throw new Error('stream did not drain in time');
      if (read === 0 && waiting > 0) await sleep(Math.min(this.#options.idleMs, this.#nextRetryInMs()));
    }
  }

  #nextRetryInMs(): number {
    const waits = [...this.#shards.values()].map((shard) => shard.notBefore - Date.now()).filter((ms) => ms > 0);
    return waits.length === 0 ? 0 : Math.min(...waits);
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
          failing: undefined,
          limit: this.#options.batchSize,
          notBefore: 0,
          done: position === 'LATEST' && closed,
        });
      }
      exclusiveStartShardId = description?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  async #read(shardId: string, shard: ShardCursor, retried = false): Promise<StreamRecord[]> {
    const { client, streamArn } = this.#options;
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
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: shard.limit }),
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

  async #deliver(
    shardId: string,
    shard: ShardCursor,
    records: StreamRecord[],
  ): Promise<{ received: number; failed: number; deadLettered: number }> {
    const all = records.map((record) => toLambdaRecord(record, this.#options.streamArn));
    const delivered = this.#options.filter ? all.filter(this.#options.filter) : all;
    const lastSequence = all[all.length - 1]?.dynamodb?.SequenceNumber ?? '';
    let failedAt: string | undefined;
    let crashed = false;
    if (delivered.length > 0) {
      try {
        const response = await this.#options.handler(
          { Records: delivered },
          localLambdaContext(this.#options.functionName, 60_000),
        );
        // The lowest reported record: the mapping resumes there, with everything after it.
        failedAt = response?.batchItemFailures
          ?.map((failure) => failure.itemIdentifier)
          .filter((sequence) => delivered.some((record) => record.dynamodb?.SequenceNumber === sequence))
          .sort(compareSequences)[0];
        if (failedAt === undefined && (response?.batchItemFailures?.length ?? 0) > 0) {
          failedAt = delivered[0]?.dynamodb?.SequenceNumber;
        }
      } catch {
        crashed = true;
        failedAt = delivered[0]?.dynamodb?.SequenceNumber;
      }
    }
    if (failedAt === undefined) {
      shard.resume = { type: 'AFTER_SEQUENCE_NUMBER', sequence: lastSequence };
      shard.failing = undefined;
      shard.limit = this.#options.batchSize;
      return { received: delivered.length, failed: 0, deadLettered: 0 };
    }
    const failedIndex = delivered.findIndex((record) => record.dynamodb?.SequenceNumber === failedAt);
    const failedRecord = delivered[failedIndex] as DynamoDBRecord;
    const attempts = (shard.failing?.sequence === failedAt ? shard.failing.attempts : 0) + 1;
    shard.iterator = undefined;
    shard.done = false;
    if (attempts > this.#options.maxRetryAttempts) {
      // Given up on: that one record goes to its dead letter, and the shard moves past it.
      await this.#deadLetter(shardId, failedRecord, attempts, crashed);
      this.#options.onDiscard?.([failedRecord]);
      shard.resume = { type: 'AFTER_SEQUENCE_NUMBER', sequence: failedAt };
      shard.failing = undefined;
      shard.limit = this.#options.batchSize;
      shard.notBefore = 0;
      return { received: delivered.length, failed: delivered.length - failedIndex, deadLettered: 1 };
    }
    // Read again from the failed record, after a backoff; while it is the first of its batch and
    // still fails, with half as many records (bisect), so that its batch-mates go on without it.
    shard.resume = { type: 'AT_SEQUENCE_NUMBER', sequence: failedAt };
    shard.failing = { sequence: failedAt, attempts };
    if (failedIndex === 0) shard.limit = Math.max(1, Math.ceil(Math.min(shard.limit, delivered.length) / 2));
    const { retryDelayMs, maxRetryDelayMs } = this.#options;
    shard.notBefore = Date.now() + Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (attempts - 1));
    return { received: delivered.length, failed: delivered.length - failedIndex, deadLettered: 0 };
  }

  async #deadLetter(shardId: string, record: DynamoDBRecord, attempts: number, crashed: boolean): Promise<void> {
    const queue = this.#options.deadLetterQueue;
    if (!queue) return;
    const sequence = record.dynamodb?.SequenceNumber ?? '';
    const arrival = record.dynamodb?.ApproximateCreationDateTime;
    const arrivedAt = arrival === undefined ? undefined : new Date(arrival * 1000).toISOString();
    const message: StreamDeadLetter = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${this.#options.functionName}`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: attempts,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(crashed ? { functionError: 'Unhandled' } : {}),
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: sequence,
        endSequenceNumber: sequence,
        approximateArrivalOfFirstRecord: arrivedAt,
        approximateArrivalOfLastRecord: arrivedAt,
        batchSize: 1,
        streamArn: this.#options.streamArn,
      },
      record,
    };
    // Within SQS's character set, as every message we queue: a record may hold any code point.
    await queue.client.send(
      new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: toQueueSafeJson(message) }),
    );
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
