import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { countDynamoDbRequests } from '../../fixtures/count-dynamodb-requests';
import { interpretSample } from '../../fixtures/interpret';
import { gmeBody } from '../../fixtures/samples';
import { SqsSweepQueue } from '../../lib/adapters/sqs-sweep-queue';
import { parseAppsDocument } from '../../lib/config/apps';
import type { RecordingEvent } from '../../lib/model/events';
import { RECORDING_QUERIES } from '../../lib/providers/registry';
import { sweepStaleRecordings } from '../../lib/sweep/sweep';
import { localClientConfig } from '../../local/emulators';
import { RecordingStore } from '../helpers/recording-store';
import { uniqueId, useLocalStack } from '../integration/local-stack';
import { FULL, recordFigures } from './figures';

const RECORDINGS = Number(process.env.SWEEP_RECORDINGS ?? (FULL ? 3_000 : 200));
const HOUR = 3_600_000;

let stack: Awaited<ReturnType<typeof useLocalStack>>;

beforeAll(async () => {
  stack = await useLocalStack();
});

describe('sweep throughput on DynamoDB Local (no vendor API: list, read, notice)', () => {
  it(`sweeps ${RECORDINGS} stale recordings, noticing each once, with a flat number of requests per recording`, async () => {
    const documentClient = DynamoDBDocumentClient.from(
      new DynamoDBClient(localClientConfig(stack.stack.dynamodbEndpoint)),
      {
        marshallOptions: { removeUndefinedValues: true },
      },
    );
    const counts = countDynamoDbRequests(documentClient);
    const store = new RecordingStore({ client: documentClient, tableName: stack.stack.tableName });
    const appId = uniqueId('gme-throughput');
    const base = 446946705284000000n + BigInt(Date.now() % 1e6) * 10_000n;
    const events: RecordingEvent[] = Array.from({ length: RECORDINGS }, (_, index) => {
      const event = interpretSample({
        name: 'gme',
        endpoint: 'tencent-gme',
        appId,
        body: gmeBody({ taskId: String(base + BigInt(index)), eventType: 1, seqNo: 0, timestamp: 1_675_930_605 }),
      });
      return { ...event, eventId: event.eventId };
    });
    for (let start = 0; start < events.length; start += 50) {
      await Promise.all(events.slice(start, start + 50).map((event) => store.applyRecordingEvent(event, Date.now())));
    }
    await stack.project(300_000);

    const sweep = () =>
      sweepStaleRecordings({
        apps: parseAppsDocument({ apps: [{ platform: 'gme', appId, secretKey: 'not-used' }] }, 'test'),
        queries: RECORDING_QUERIES,
        source: store,
        queue: new SqsSweepQueue({ client: stack.sqs, queueUrl: stack.stack.queueUrl }),
        logger: new Logger({ logLevel: 'SILENT' }),
        countOutcome: () => {},
        staleAfterMs: 6 * HOUR,
        env: {},
        deadline: Number.POSITIVE_INFINITY,
        now: () => Date.now() + 7 * HOUR,
      });

    const readsBefore = counts.reads;
    const first = await sweep();
    const firstReads = counts.reads - readsBefore;
    expect(first).toMatchObject({ swept: RECORDINGS, noticed: RECORDINGS, failures: 0 });
    const drainStarted = Date.now();
    await stack.drain(undefined, 300_000);
    const drainMs = Date.now() - drainStarted;
    const second = await sweep();
    expect(second).toMatchObject({ swept: RECORDINGS, noticed: 0, failures: 0 });
    // A page of 100 recordings is one index Query and one BatchGetItem (2 keys each): flat per recording.
    expect(firstReads).toBeLessThanOrEqual(Math.ceil(RECORDINGS / 100) * 3 + 4);

    recordFigures('lost-callback sweep, DynamoDB Local', {
      recordings: RECORDINGS,
      firstRunMs: first.durationMs,
      sweptPerSecond: Math.round((RECORDINGS / first.durationMs) * 1000),
      noticesApplied: RECORDINGS,
      processAndProjectMs: drainMs,
      laterRunMs: second.durationMs,
      laterSweptPerSecond: Math.round((RECORDINGS / second.durationMs) * 1000),
      dynamodbRequestsFirstRun: firstReads,
    });
  });
});
