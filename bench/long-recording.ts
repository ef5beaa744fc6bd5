import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { DEV_APPS, trtcBody, trtcLifecycle } from '../fixtures/samples';
import { median, round } from '../fixtures/stats';
import { toQueuedMessage, toSqsBatches } from '../fixtures/workload';
import { toApiGatewayEvent } from '../local/api-gateway-event';
import { deriveOnRead } from './view-alternatives';

export interface LongRecordingFigures {
  slices: number;
  errors: number;
  applySeconds: number;
  /** Time for the projector to fold every slice into the summary and file items. */
  projectSeconds: number;
  getLongMedianMs: number;
  getShortMedianMs: number;
  /** GET of the long recording over GET of a 5-event one. Goal ≤ 2. */
  ratio: number;
  responseBytes: number;
  /** The same reads with the previous release's design (every event item read, state derived), same run. */
  previous: { getLongMedianMs: number; getShortMedianMs: number; ratio: number; responseBytes: number };
}

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * Applies `slices` distinct 307 events to one task, eight batches in flight, lets `project` fold
 * them into the summary (GET reads it), then compares GET latency.
 */
export async function measureLongRecording(
  processHandler: Handler<SQSEvent, SQSBatchResponse>,
  queryHandler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>,
  view: { project: () => Promise<void>; client: DynamoDBDocumentClient; tableName: string },
  slices: number,
  getRuns = 25,
): Promise<LongRecordingFigures> {
  const longTask = `bench-long-${Date.now()}`;
  const shortTask = `bench-short-${Date.now()}`;
  const messages = Array.from({ length: slices }, (_, index) =>
    toQueuedMessage({
      name: 'slice',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: trtcBody(307, {
        taskId: longTask,
        payload: { FileName: `${longTask}/slice_${index}.ts` },
        eventMsTs: 1_752_580_000_000 + index,
      }),
    }),
  );
  const context = { getRemainingTimeInMillis: () => 30_000 } as Context;
  const batches = toSqsBatches(messages);
  let errors = 0;
  const started = performance.now();
  for (let i = 0; i < batches.length; i += 8) {
    const responses = await Promise.all(
      batches.slice(i, i + 8).map((batch) => processHandler(batch, context).catch(() => null)),
    );
    for (const [j, response] of responses.entries()) {
      errors += response === null ? (batches[i + j]?.Records.length ?? 0) : response.batchItemFailures.length;
    }
  }
  const applySeconds = (performance.now() - started) / 1000;
  for (const batch of toSqsBatches(trtcLifecycle(shortTask).map((sample) => toQueuedMessage(sample))))
    await processHandler(batch, context);
  const projectStarted = performance.now();
  await view.project();
  const projectSeconds = (performance.now() - projectStarted) / 1000;

  const get = async (taskId: string) => {
    const begun = performance.now();
    const result = await queryHandler(
      toApiGatewayEvent({ method: 'GET', rawPath: `/recordings/trtc/${DEV_APPS.trtc}/${taskId}` }),
    );
    if (result.statusCode !== 200) throw new Error(`GET ${taskId} answered ${result.statusCode}`);
    return { ms: performance.now() - begun, bytes: Buffer.byteLength(result.body ?? '') };
  };
  const getPrevious = async (taskId: string) => {
    const begun = performance.now();
    const state = await deriveOnRead(view.client, view.tableName, { platform: 'trtc', appId: DEV_APPS.trtc, taskId });
    // As the previous query handler did: the whole state serialized.
    const body = JSON.stringify(state);
    return { ms: performance.now() - begun, bytes: Buffer.byteLength(body) };
  };
  const measure = async (read: typeof get) => {
    const longGets: number[] = [];
    const shortGets: number[] = [];
    let responseBytes = 0;
    // Alternated, so that a slow moment of the machine hits both sides.
    for (let i = 0; i < getRuns; i += 1) {
      const long = await read(longTask);
      responseBytes = long.bytes;
      longGets.push(long.ms);
      shortGets.push((await read(shortTask)).ms);
    }
    return {
      getLongMedianMs: round(median(longGets)),
      getShortMedianMs: round(median(shortGets)),
      ratio: round(median(longGets) / median(shortGets), 1),
      responseBytes,
    };
  };
  const current = await measure(get);
  const previous = await measure(getPrevious);
  return {
    slices,
    errors,
    applySeconds: round(applySeconds),
    projectSeconds: round(projectSeconds),
    ...current,
    previous,
  };
}
