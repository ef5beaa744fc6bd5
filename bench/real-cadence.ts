import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { itemKind, type TableDefinition, writeCost } from '../fixtures/capacity-units';
import { DEV_APPS, type Sample, trtcBody } from '../fixtures/samples';
import { round } from '../fixtures/stats';
import { seededRandom, shuffle, toQueuedMessage, toSqsBatches } from '../fixtures/workload';
import { DynamoDbEventWriter } from '../lib/adapters/event-writer';
import { SummaryProjector } from '../lib/adapters/summary-projector';
import { DynamoDbSummaryReader } from '../lib/adapters/summary-reader';
import { recordingPartitionKey } from '../lib/adapters/table-layout';
import { createSqsProcessHandler } from '../lib/process/sqs-handler';
import { createStreamProjectHandler, isNewEventRecord } from '../lib/project/stream-handler';
import { createProviderRegistry, STATUS_RULES } from '../lib/providers/registry';
import { createStreamPublishHandler, isAnnouncementRecord } from '../lib/publish/stream-handler';
import { localClientConfig } from '../local/emulators';
import { type StreamHandler, StreamPoller } from '../local/stream-poller';
import table from '../resources/recordings-table.json' with { type: 'json' };
import { type MeteredRequest, meterCapacity } from './capacity-meter';
import { DEPLOYED, PRICES_USD } from './cost';
import { createBaselineHandler } from './process-cost';

/** The table's definition as deployed, read at run time: index membership follows it, whatever the layout. */
const TABLE = table.Properties as TableDefinition;
/** The slice interval of an HLS recording, and the vendor's clock at the start of the run. */
const SLICE_EVERY_S = 10;
const VENDOR_EPOCH_MS = 1_752_580_000_000;
/** The first page of files a summary carries (`FIRST_FILES_PAGE`): slices after it are the steady state. */
const FIRST_PAGE = 100;

export type CallbackClass = 'slice' | 'fileless' | 'other file';

interface ScheduledCallback {
  tick: number;
  partitionKey: string;
  class: CallbackClass;
  /** The slice's number in its recording (1-based), for slices. */
  slice?: number;
  /** A callback naming no file that changes the recording's status (which moves it in `byTime` by design). */
  changesStatus?: boolean;
  sample: Sample;
}

/**
 * Each recording: 301 (start) and 303 in its first seconds, 304 (the HLS playlist, which names a file),
 * one 307 slice every 10 s, then 302 (stop) and 305 (upload stopped). Recordings start spread over 10 s,
 * so each second (a tick: the projector's 1 s batching window) carries about one callback from a tenth
 * of them, and no recording sends twice in one tick.
 */
export function realCadenceSchedule(recordings: number, slices: number, namespace: string): ScheduledCallback[][] {
  const ticks: ScheduledCallback[][] = [];
  const at = (tick: number, callback: Omit<ScheduledCallback, 'tick'>) => {
    ticks[tick] ??= [];
    ticks[tick]?.push({ tick, ...callback });
  };
  for (let r = 0; r < recordings; r += 1) {
    const taskId = `${namespace}-${r}`;
    const partitionKey = recordingPartitionKey({ platform: 'trtc', appId: DEV_APPS.trtc, taskId });
    const start = r % SLICE_EVERY_S;
    const sample = (tick: number, type: number, payload: Record<string, unknown>): Sample => ({
      name: `trtc-${type}`,
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: trtcBody(type, { taskId, roomId: `room-${r}`, payload, eventMsTs: VENDOR_EPOCH_MS + tick * 1000 + r }),
    });
    const lifecycle = (
      tick: number,
      type: number,
      payload: Record<string, unknown>,
      kind: CallbackClass,
      changesStatus = false,
    ) => at(tick, { partitionKey, class: kind, changesStatus, sample: sample(tick, type, payload) });
    lifecycle(start, 301, { Status: 0 }, 'fileless', true);
    lifecycle(start + 1, 303, { Status: 0 }, 'fileless');
    lifecycle(start + 2, 304, { FileList: `${taskId}/index.m3u8` }, 'other file');
    for (let k = 1; k <= slices; k += 1) {
      const tick = start + k * SLICE_EVERY_S;
      at(tick, {
        partitionKey,
        class: 'slice',
        slice: k,
        sample: sample(tick, 307, { FileName: `${taskId}/slice_${k}.ts` }),
      });
    }
    const end = start + slices * SLICE_EVERY_S;
    lifecycle(end + 3, 302, { LeaveCode: 0 }, 'fileless', true);
    lifecycle(end + 6, 305, { Status: 0 }, 'fileless', true);
  }
  return Array.from(ticks, (tick) => tick ?? []);
}

/** Units per callback of one stage, item kind and target (`item`, or an index's name). */
export interface UnitRow {
  stage: string;
  kind: string;
  target: string;
  writeUnits: number;
  readUnits: number;
}

export interface UnitBreakdown {
  class: string;
  callbacks: number;
  writeUnits: number;
  readUnits: number;
  rows: UnitRow[];
}

interface Invocations {
  count: number;
  /** Sum of each invocation's duration rounded up to the ms, as Lambda bills. */
  billedMs: number;
}

export interface RealCadenceCost {
  implementation: string;
  apiGateway: number;
  lambdaRequests: number;
  lambdaCompute: number;
  sqs: number;
  dynamoDb: number;
  total: number;
  inputs: {
    ingestMs: number;
    invocationsPerCallback: Record<string, number>;
    billedMsPerCallback: Record<string, number>;
    writeUnitsPerCallback: number;
    readUnitsPerCallback: number;
    sqsRequestsPerCallback: number;
  };
}

export interface RealCadenceFigures {
  recordings: number;
  /** How many of them the baseline ran (its units per callback depend on a recording's length only). */
  baselineRecordings: number;
  slicesPerRecording: number;
  callbacks: number;
  ticks: number;
  errors: number;
  /** Write units per 307 callback, every stage and index included (goal ≤ 3). */
  writeUnitsPerSlice: number;
  /** The same for slices after the summary's first page of files is full: the steady state of a long recording. */
  writeUnitsPerSliceFirstPageFull: number;
  /** Write units per callback naming no file (301, 303, 302, 305; goal ≤ 2). */
  writeUnitsPerFilelessEvent: number;
  /**
   * The same for those that leave the status as it was (303): a status change moves the recording in
   * `byTime`, whose key is per status (2 index writes, 1 for the first), and the first enters `byRoom`.
   */
  writeUnitsPerFilelessEventSameStatus: number;
  writeUnitsPerCallback: number;
  readUnitsPerCallback: number;
  costPerMillionUsd: number;
  baselineCostPerMillionUsd: number;
  /** Ours, by class of callback; each row per callback of that class. */
  breakdown: UnitBreakdown[];
  baselineBreakdown: UnitBreakdown[];
  /** Status-change versions the publisher read from the stream, and announcements it built. */
  published: number;
  /**
   * Every successful write to the recordings table, as DynamoDB Local reported it and as computed from
   * the stream's old and new images with `fixtures/capacity-units.ts`: two methods, one figure.
   */
  crossCheck: { kind: string; target: string; reported: number; computed: number }[];
  cost: RealCadenceCost[];
  seconds: { ours: number; baseline: number };
}

const CONTEXT = {
  functionName: 'bench',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
const silent = new Logger({ logLevel: 'SILENT' });

/** Sums metered requests by class of callback, the request charged to the callback of its recording in its tick. */
class UnitLedger {
  readonly #sums = new Map<string, Map<string, UnitRow>>();
  readonly #callbacks = new Map<string, number>();
  unattributed = 0;

  countCallback(classes: readonly string[]): void {
    for (const name of classes) this.#callbacks.set(name, (this.#callbacks.get(name) ?? 0) + 1);
  }

  add(classes: readonly string[], request: MeteredRequest): void {
    for (const name of classes) {
      const rows = this.#sums.get(name) ?? new Map<string, UnitRow>();
      this.#sums.set(name, rows);
      for (const units of request.units) {
        const id = `${request.stage}|${request.kind}|${units.target}`;
        const row = rows.get(id) ?? {
          stage: request.stage,
          kind: request.kind,
          target: units.target,
          writeUnits: 0,
          readUnits: 0,
        };
        row.writeUnits += units.write;
        row.readUnits += units.read;
        rows.set(id, row);
      }
    }
  }

  callbacks(name: string): number {
    return this.#callbacks.get(name) ?? 0;
  }

  breakdown(names: readonly string[]): UnitBreakdown[] {
    return names.map((name) => {
      const callbacks = Math.max(1, this.callbacks(name));
      const rows = [...(this.#sums.get(name)?.values() ?? [])]
        .filter((row) => row.writeUnits > 0 || row.readUnits > 0)
        .map((row) => ({
          ...row,
          writeUnits: round(row.writeUnits / callbacks, 3),
          readUnits: round(row.readUnits / callbacks, 3),
        }))
        .sort((a, b) => `${a.stage}|${a.kind}|${a.target}`.localeCompare(`${b.stage}|${b.kind}|${b.target}`));
      const total = (pick: (row: UnitRow) => number) =>
        round([...(this.#sums.get(name)?.values() ?? [])].reduce((sum, row) => sum + pick(row), 0) / callbacks, 3);
      return {
        class: name,
        callbacks: this.callbacks(name),
        writeUnits: total((row) => row.writeUnits),
        readUnits: total((row) => row.readUnits),
        rows,
      };
    });
  }
}

const CLASSES = [
  'all callbacks',
  'slice',
  'slice, first page full',
  'fileless',
  'fileless, same status',
  'fileless, status change',
  'other file',
] as const;
const classesOf = (callback: ScheduledCallback): string[] => [
  'all callbacks',
  callback.class,
  ...(callback.slice !== undefined && callback.slice >= FIRST_PAGE ? ['slice, first page full'] : []),
  ...(callback.class === 'fileless'
    ? [callback.changesStatus ? 'fileless, status change' : 'fileless, same status']
    : []),
];

/**
 * Drives one tick's callbacks through an SQS handler in batches of the deployed size (the SQS mapping's
 * 1 s window fills them at this rate), timing each invocation.
 */
async function runProcess(
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
  callbacks: readonly ScheduledCallback[],
  invocations: Invocations,
): Promise<number> {
  let failures = 0;
  for (const batch of toSqsBatches(
    callbacks.map((callback) => toQueuedMessage(callback.sample)),
    DEPLOYED.batchSize,
  )) {
    const started = performance.now();
    failures += (await handler(batch, CONTEXT)).batchItemFailures.length;
    invocations.count += 1;
    invocations.billedMs += Math.ceil(performance.now() - started);
  }
  return failures;
}

function meteredClient(
  endpoint: string,
  stage: string,
  recordingsTable: string,
  onRequest: (request: MeteredRequest) => void,
): { raw: DynamoDBClient; client: DynamoDBDocumentClient } {
  const raw = new DynamoDBClient(localClientConfig(endpoint));
  meterCapacity(raw, { stage, recordingsTable }, onRequest);
  return { raw, client: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }) };
}

/**
 * The real-cadence workload (issue 22; BENCHMARKS.md, "Real cadence"): `recordings` TRTC recordings at
 * once, one slice each every 10 s, compressed in time: each tick is one second of the deployed
 * batching (SQS batches of 10, one projector batch per 1 s window of up to 100 records, the publisher
 * on every status-changed version), so a projector batch holds about one event per recording, as
 * real traffic gives it. Consumed capacity is DynamoDB Local's `ReturnConsumedCapacity: INDEXES` per
 * request, charged to the callback that caused it, and cross-checked against the stream's images.
 * The same schedule then runs through the Powertools-idempotency baseline.
 */
export async function measureRealCadence(options: {
  dynamodbEndpoint: string;
  tableName: string;
  idempotencyTable: string;
  streamArn: string;
  recordings: number;
  slicesPerRecording: number;
  /** Recordings the baseline runs (default: as many as ours); its units per callback do not depend on it. */
  baselineRecordings?: number;
  /** Ingest's measured time per callback (ms), from the same run. */
  ingestMs: number;
  log?: (line: string) => void;
}): Promise<RealCadenceFigures> {
  const { dynamodbEndpoint: endpoint, tableName, recordings, slicesPerRecording } = options;
  const namespace = `cadence-${Date.now()}`;
  const providers = createProviderRegistry();

  // Ours: process, projector and publisher, each through its own metered client.
  const ledger = new UnitLedger();
  let tickClasses = new Map<string, string[]>();
  const reported = new Map<string, number>();
  const charge = (request: MeteredRequest) => {
    const classes = tickClasses.get(request.partitionKey);
    if (!classes) ledger.unattributed += 1;
    ledger.add(classes ?? ['unattributed'], request);
    if (!request.refused && request.kind !== `${options.idempotencyTable} item`) {
      for (const units of request.units) {
        if (units.write === 0) continue;
        const id = `${request.kind}|${units.target}`;
        reported.set(id, (reported.get(id) ?? 0) + units.write);
      }
    }
  };
  const clockStart = Date.now();
  let simulatedNow = clockStart;
  const processClient = meteredClient(endpoint, 'process', tableName, charge);
  const projectClient = meteredClient(endpoint, 'projector', tableName, charge);
  const publishClient = meteredClient(endpoint, 'publisher', tableName, charge);
  const invocations = {
    process: { count: 0, billedMs: 0 },
    project: { count: 0, billedMs: 0 },
    publish: { count: 0, billedMs: 0 },
  };
  const processHandler = createSqsProcessHandler({
    providers,
    // The workload's clock: one second per tick, so a recording's updatedAt moves as it would at this cadence
    // (and the listing's activity step, LISTING_STEP_MS, is crossed as often as in real time).
    store: new DynamoDbEventWriter({ client: processClient.client, tableName, now: () => simulatedNow }),
    logger: silent,
    countOutcome: () => {},
  });
  const projectHandler = createStreamProjectHandler({
    projector: new SummaryProjector({ statusRules: STATUS_RULES, client: projectClient.client, tableName }),
    logger: silent,
    countOutcome: () => {},
  });
  let published = 0;
  const publishHandler = createStreamPublishHandler({
    publisher: {
      publish: async (events) => {
        published += events.length;
        return [];
      },
    },
    summaries: new DynamoDbSummaryReader({ client: publishClient.client, tableName }),
    deadLetters: { send: async () => {} },
    logger: { info: () => {}, warn: () => {} },
    countOutcome: () => {},
  });
  const timed =
    (handler: StreamHandler, counter: Invocations): StreamHandler =>
    async (event, context) => {
      const started = performance.now();
      try {
        return await handler(event, context);
      } finally {
        counter.count += 1;
        counter.billedMs += Math.ceil(performance.now() - started);
      }
    };
  const streams = new DynamoDBStreamsClient(localClientConfig(endpoint));
  const projector = new StreamPoller({
    client: streams,
    streamArn: options.streamArn,
    handler: timed(projectHandler, invocations.project),
    filter: isNewEventRecord,
    startingPosition: 'LATEST',
    batchSize: DEPLOYED.streamBatchSize,
  });
  // Every record of the stream: its images give each write's units a second way, and the records the
  // publish mapping lets through go to the publisher (no batching window: what one poll finds, ≤ 100 a call).
  const computed = new Map<string, number>();
  const publishTimed = timed(publishHandler as StreamHandler, invocations.publish);
  const accounting = new StreamPoller({
    client: streams,
    streamArn: options.streamArn,
    startingPosition: 'LATEST',
    batchSize: 1000,
    functionName: 'accounting',
    handler: async (event, context) => {
      for (const record of event.Records) {
        const data = record.dynamodb;
        const before = data?.OldImage as Record<string, AttributeValue> | undefined;
        const after = data?.NewImage as Record<string, AttributeValue> | undefined;
        if (!(before ?? after)?.pk?.S?.includes(namespace)) continue;
        const cost = writeCost(before, after, TABLE);
        const kind = itemKind(data?.Keys?.sk?.S);
        const add = (target: string, units: number) => {
          if (units > 0) computed.set(`${kind}|${target}`, (computed.get(`${kind}|${target}`) ?? 0) + units);
        };
        add('item', cost.table);
        for (const [name, write] of Object.entries(cost.indexes)) add(name, write.units);
      }
      const announcements = event.Records.filter((record: DynamoDBRecord) => isAnnouncementRecord(record));
      for (let i = 0; i < announcements.length; i += DEPLOYED.streamBatchSize) {
        await publishTimed({ Records: announcements.slice(i, i + DEPLOYED.streamBatchSize) }, context);
      }
      return { batchItemFailures: [] };
    },
  });
  await projector.initialize();
  await accounting.initialize();

  const schedule = realCadenceSchedule(recordings, slicesPerRecording, namespace);
  const random = seededRandom(22);
  let errors = 0;
  let callbacks = 0;
  let processBatches = 0;
  const oursStarted = performance.now();
  for (const [tick, scheduled] of schedule.entries()) {
    simulatedNow = clockStart + tick * 1000;
    // Interleaved: the tick's callbacks arrive in no recording's order.
    const due = shuffle([...scheduled], random);
    tickClasses = new Map(due.map((callback) => [callback.partitionKey, classesOf(callback)]));
    for (const callback of due) ledger.countCallback(classesOf(callback));
    callbacks += due.length;
    const before = invocations.process.count;
    errors += await runProcess(processHandler, due, invocations.process);
    processBatches += invocations.process.count - before;
    await projector.drain(600_000);
    await accounting.drain(600_000);
    if (tick % 100 === 0) options.log?.(`real cadence: tick ${tick}/${schedule.length}, ${callbacks} callbacks`);
  }
  const oursSeconds = (performance.now() - oursStarted) / 1000;
  streams.destroy();
  for (const { raw } of [processClient, projectClient, publishClient]) raw.destroy();

  // The baseline: the same schedule, its own recordings, through Powertools idempotency + read-modify-write.
  const baselineLedger = new UnitLedger();
  const baselineClient = meteredClient(endpoint, 'baseline', tableName, (request) => {
    const classes = tickClasses.get(request.partitionKey) ?? [...tickClasses.values()][0] ?? ['unattributed'];
    // The idempotency record's key is not the recording's: it is charged to the tick's callbacks evenly below.
    baselineLedger.add(request.kind === 'SUMMARY' ? classes : ['idempotency'], request);
  });
  const baselineHandler = createBaselineHandler(
    baselineClient.client,
    baselineClient.raw,
    tableName,
    options.idempotencyTable,
  );
  const baselineInvocations = { count: 0, billedMs: 0 };
  // Its units per callback depend on a recording's length, not on how many run at once: a subset suffices.
  const baselineRecordings = Math.min(recordings, options.baselineRecordings ?? recordings);
  const baselineSchedule = realCadenceSchedule(baselineRecordings, slicesPerRecording, `${namespace}-baseline`);
  let baselineCallbacks = 0;
  const baselineStarted = performance.now();
  for (const scheduled of baselineSchedule) {
    const due = shuffle([...scheduled], random);
    tickClasses = new Map(due.map((callback) => [callback.partitionKey, classesOf(callback)]));
    for (const callback of due) baselineLedger.countCallback(classesOf(callback));
    baselineCallbacks += due.length;
    errors += await runProcess(baselineHandler, due, baselineInvocations);
  }
  const baselineSeconds = (performance.now() - baselineStarted) / 1000;
  baselineClient.raw.destroy();

  const breakdown = ledger.breakdown([...CLASSES, ...(ledger.unattributed > 0 ? ['unattributed'] : [])]);
  const figure = (name: string, pick: (row: UnitBreakdown) => number) =>
    pick(breakdown.find((row) => row.class === name) as UnitBreakdown);
  const writeUnitsPerCallback = figure('all callbacks', (row) => row.writeUnits);
  const readUnitsPerCallback = figure('all callbacks', (row) => row.readUnits);
  // The baseline's idempotency records: every callback has two writes (and some reads) there; spread over all.
  const baselineRaw = baselineLedger.breakdown(['all callbacks', 'slice', 'fileless', 'other file', 'idempotency']);
  const idempotency = baselineRaw.find((row) => row.class === 'idempotency') as UnitBreakdown;
  const perCallbackIdempotency = (units: number) =>
    (units * Math.max(1, idempotency.callbacks)) / Math.max(1, baselineCallbacks);
  const baselineBreakdown = baselineRaw
    .filter((row) => row.class !== 'idempotency')
    .map((row) => {
      const extra = idempotency.rows.map((extraRow) => ({
        ...extraRow,
        writeUnits: round(perCallbackIdempotency(extraRow.writeUnits), 3),
        readUnits: round(perCallbackIdempotency(extraRow.readUnits), 3),
      }));
      const sum = (pick: (unit: UnitRow) => number) =>
        round(
          extra.reduce((total, unit) => total + pick(unit), 0),
          3,
        );
      return {
        ...row,
        writeUnits: round(row.writeUnits + sum((unit) => unit.writeUnits), 3),
        readUnits: round(row.readUnits + sum((unit) => unit.readUnits), 3),
        rows: [...row.rows, ...extra],
      };
    });
  const baselineAll = baselineBreakdown[0] as UnitBreakdown;

  const cost = [
    realCadenceCost({
      implementation: 'rtc-recording-callbacks (process + projector + publisher)',
      callbacks,
      ingestMs: options.ingestMs,
      invocations,
      sqsBatches: processBatches,
      writeUnitsPerCallback,
      readUnitsPerCallback,
    }),
    realCadenceCost({
      implementation: 'baseline: Powertools idempotency + read-modify-write',
      callbacks: baselineCallbacks,
      ingestMs: options.ingestMs,
      invocations: { process: baselineInvocations },
      sqsBatches: baselineInvocations.count,
      writeUnitsPerCallback: baselineAll.writeUnits,
      readUnitsPerCallback: baselineAll.readUnits,
    }),
  ];
  const crossCheck = [...new Set([...reported.keys(), ...computed.keys()])].sort().map((id) => {
    const [kind = '', target = ''] = id.split('|');
    return { kind, target, reported: reported.get(id) ?? 0, computed: computed.get(id) ?? 0 };
  });
  return {
    recordings,
    baselineRecordings,
    slicesPerRecording,
    callbacks,
    ticks: schedule.length,
    errors,
    writeUnitsPerSlice: figure('slice', (row) => row.writeUnits),
    writeUnitsPerSliceFirstPageFull: figure('slice, first page full', (row) => row.writeUnits),
    writeUnitsPerFilelessEvent: figure('fileless', (row) => row.writeUnits),
    writeUnitsPerFilelessEventSameStatus: figure('fileless, same status', (row) => row.writeUnits),
    writeUnitsPerCallback,
    readUnitsPerCallback,
    costPerMillionUsd: cost[0]?.total ?? Number.NaN,
    baselineCostPerMillionUsd: cost[1]?.total ?? Number.NaN,
    breakdown,
    baselineBreakdown,
    published,
    crossCheck,
    cost,
    seconds: { ours: round(oursSeconds, 1), baseline: round(baselineSeconds, 1) },
  };
}

/**
 * Cost per million callbacks of the real-cadence workload at list prices (`PRICES_USD`): one HTTP API
 * request, one ingest invocation (billed at ingest's measured time) and one SendMessage per callback;
 * per process batch one ReceiveMessage and one DeleteMessageBatch; every Lambda invocation the run
 * made (process, projector, publisher), each billed at its measured duration rounded up to the ms at
 * the deployed memory (arm64); DynamoDB's consumed units. EventBridge is left out (the baseline
 * publishes nothing; README, "Recording events", prices it per status change).
 */
export function realCadenceCost(inputs: {
  implementation: string;
  callbacks: number;
  ingestMs: number;
  invocations: Record<string, Invocations>;
  sqsBatches: number;
  writeUnitsPerCallback: number;
  readUnitsPerCallback: number;
}): RealCadenceCost {
  const per = (n: number) => n / Math.max(1, inputs.callbacks);
  const gbSeconds = (ms: number) => (ms / 1000) * (DEPLOYED.memoryMb / 1024);
  const functions = Object.entries(inputs.invocations);
  const invocationsPerCallback = Object.fromEntries(functions.map(([name, figure]) => [name, per(figure.count)]));
  const billedMsPerCallback = Object.fromEntries(functions.map(([name, figure]) => [name, per(figure.billedMs)]));
  const million = 1_000_000;
  const apiGateway = PRICES_USD.apiGatewayHttpPerMillion;
  const lambdaRequests =
    PRICES_USD.lambdaRequestsPerMillion * (1 + Object.values(invocationsPerCallback).reduce((a, b) => a + b, 0));
  const lambdaCompute =
    million *
    PRICES_USD.lambdaArmPerGbSecond *
    (gbSeconds(Math.ceil(inputs.ingestMs)) + gbSeconds(Object.values(billedMsPerCallback).reduce((a, b) => a + b, 0)));
  const sqsRequestsPerCallback = 1 + 2 * per(inputs.sqsBatches);
  const sqs = PRICES_USD.sqsStandardPerMillion * sqsRequestsPerCallback;
  const dynamoDb =
    PRICES_USD.dynamoDbWriteUnitsPerMillion * inputs.writeUnitsPerCallback +
    PRICES_USD.dynamoDbReadUnitsPerMillion * inputs.readUnitsPerCallback;
  const roundAll = (record: Record<string, number>) =>
    Object.fromEntries(Object.entries(record).map(([name, value]) => [name, round(value, 4)]));
  return {
    implementation: inputs.implementation,
    apiGateway: round(apiGateway, 3),
    lambdaRequests: round(lambdaRequests, 3),
    lambdaCompute: round(lambdaCompute, 3),
    sqs: round(sqs, 3),
    dynamoDb: round(dynamoDb, 3),
    total: round(apiGateway + lambdaRequests + lambdaCompute + sqs + dynamoDb, 3),
    inputs: {
      ingestMs: round(inputs.ingestMs, 3),
      invocationsPerCallback: roundAll(invocationsPerCallback),
      billedMsPerCallback: roundAll(billedMsPerCallback),
      writeUnitsPerCallback: inputs.writeUnitsPerCallback,
      readUnitsPerCallback: inputs.readUnitsPerCallback,
      sqsRequestsPerCallback: round(sqsRequestsPerCallback, 3),
    },
  };
}
