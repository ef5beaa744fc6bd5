import { round } from '../fixtures/stats';
import type { IngestFigures } from './ingest-overhead';
import type { ProcessFigures } from './process-cost';

/**
 * AWS list prices, us-east-1, on-demand, first pricing tier; DynamoDB's are those in effect since
 * its on-demand price cut of 2024-11-01 (BENCHMARKS.md says how they were checked). Free tiers are
 * left out: they are per account, not per callback.
 */
export const PRICES_USD = {
  date: '2024-11-01',
  region: 'us-east-1',
  apiGatewayHttpPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  sqsStandardPerMillion: 0.4,
  dynamoDbWriteUnitsPerMillion: 0.625,
  dynamoDbReadUnitsPerMillion: 0.125,
} as const;

/** From serverless.yml: `provider.memorySize`, the SQS event source's and the stream event source's batch sizes. */
export const DEPLOYED = { memoryMb: 512, batchSize: 10, streamBatchSize: 100 } as const;
/** The bench's workload: a fifth of deliveries are vendor retries of an event already seen. */
export const DUPLICATE_SHARE = 0.2;

export interface CostFigures {
  implementation: string;
  /** USD per million callbacks delivered, by part, and in all. */
  apiGateway: number;
  lambdaRequests: number;
  lambdaCompute: number;
  sqs: number;
  dynamoDb: number;
  total: number;
  /** What the computation used, so the figure can be re-derived. */
  inputs: {
    ingestMs: number;
    processMsPerBatch: number;
    writesPerCallback: number;
    readsPerCallback: number;
    sqsRequestsPerCallback: number;
  };
}

/**
 * Cost per million callbacks from what the bench counted and timed: one API Gateway request and one
 * ingest invocation per callback (billed at its measured median, rounded up to the ms), one
 * SendMessage, and per batch of 10 one ReceiveMessage and one DeleteMessageBatch (the event source's
 * empty long polls are left out); one process invocation per batch, billed at the measured time per
 * event × 10; DynamoDB units from the counted requests, one unit each (items under 1 KB; the
 * baseline's summary item grows past that, so its figure is a lower bound).
 *
 * Ours is process plus the stream projector: its counted requests, one invocation per 100 new
 * events at its measured time, and one index write unit per distinct event (the event item in the
 * timeline index). The summary's own index updates are left out, so ours is a lower bound too.
 */
export function computeCosts(ingest: readonly IngestFigures[], process: readonly ProcessFigures[]): CostFigures[] {
  const ingestMs = ingest.reduce((sum, row) => sum + row.ingestMedianMs, 0) / Math.max(1, ingest.length);
  const gbSeconds = (ms: number) => (Math.ceil(ms) / 1000) * (DEPLOYED.memoryMb / 1024);
  const projector = process.find((row) => row.implementation.includes('projector'));
  const costed = process.filter(
    (row) => row.implementation.includes('process') || row.implementation.startsWith('baseline'),
  );
  return costed.map((row) => {
    const ours = row.implementation.includes('process') ? projector : undefined;
    const processMsPerBatch = (1000 / row.eventsPerSecond) * DEPLOYED.batchSize;
    const projectMsPerBatch = ours ? (1000 / ours.eventsPerSecond) * DEPLOYED.streamBatchSize : 0;
    const distinct = 1 - DUPLICATE_SHARE;
    const writesPerCallback =
      distinct * (row.writesPerDistinct + (ours ? ours.writesPerDistinct + 1 : 0)) +
      DUPLICATE_SHARE * row.writesPerDuplicate;
    const readsPerCallback =
      distinct * (row.readsPerDistinct + (ours?.readsPerDistinct ?? 0)) + DUPLICATE_SHARE * row.readsPerDuplicate;
    const sqsRequestsPerCallback = 1 + 2 / DEPLOYED.batchSize;
    const million = 1_000_000;
    const apiGateway = PRICES_USD.apiGatewayHttpPerMillion;
    const projectInvocations = ours ? distinct / DEPLOYED.streamBatchSize : 0;
    const lambdaRequests = PRICES_USD.lambdaRequestsPerMillion * (1 + 1 / DEPLOYED.batchSize + projectInvocations);
    const lambdaCompute =
      million *
      PRICES_USD.lambdaArmPerGbSecond *
      (gbSeconds(ingestMs) +
        gbSeconds(processMsPerBatch) / DEPLOYED.batchSize +
        gbSeconds(projectMsPerBatch) * projectInvocations);
    const sqs = PRICES_USD.sqsStandardPerMillion * sqsRequestsPerCallback;
    const dynamoDb =
      PRICES_USD.dynamoDbWriteUnitsPerMillion * writesPerCallback +
      PRICES_USD.dynamoDbReadUnitsPerMillion * readsPerCallback;
    return {
      implementation: ours ? 'rtc-recording-callbacks (process + projector)' : row.implementation,
      apiGateway: round(apiGateway, 3),
      lambdaRequests: round(lambdaRequests, 3),
      lambdaCompute: round(lambdaCompute, 3),
      sqs: round(sqs, 3),
      dynamoDb: round(dynamoDb, 3),
      total: round(apiGateway + lambdaRequests + lambdaCompute + sqs + dynamoDb, 3),
      inputs: {
        ingestMs: round(ingestMs, 3),
        processMsPerBatch: round(processMsPerBatch, 2),
        writesPerCallback: round(writesPerCallback, 3),
        readsPerCallback: round(readsPerCallback, 3),
        sqsRequestsPerCallback,
      },
    };
  });
}
