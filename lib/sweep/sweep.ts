import type { AppConfig, AppDirectory } from '../config/apps';
import { type CountOutcome, OUTCOME_METRICS } from '../metrics';
import { finding, type KnownReconciliation, type VendorFinding, type VendorStatus } from '../model/reconciliation';
import type { RecordingKey, RecordingStatus } from '../model/recording-state';
import type { ReconciliationMessage, SweepMessage } from '../model/sweep-message';
import type { Platform } from '../platforms';
import type { AppBase, ProviderEnv, RecordingQuery } from '../providers/provider';

/** A stale recording as the sweep sees it (README, "Lost callbacks"). */
export interface SweepCandidate {
  readonly key: RecordingKey;
  readonly status: RecordingStatus;
  /** Its quiet period: when its latest callback was applied (ms). */
  readonly quietSince: number;
  /** This quiet period's notice is recorded: it was announced, or is on its way to the publisher. */
  readonly noticed: boolean;
  readonly reconciliation: KnownReconciliation | null;
}

/** Where the sweep sends what it learned: the callbacks queue, so process applies it like a callback. */
export interface SweepQueue {
  /** Resolves once every message is queued; throws otherwise. */
  send(messages: readonly SweepMessage[]): Promise<void>;
}

export interface SweepSource {
  staleRecordings(platform: Platform, appId: string, staleBefore: number): AsyncIterable<SweepCandidate[]>;
}

export interface SweepLogger {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

export interface SweepOptions {
  apps: AppDirectory;
  source: SweepSource;
  queue: SweepQueue;
  logger: SweepLogger;
  countOutcome: CountOutcome;
  /** A recording unfinished and without a callback for this long is stale (`STALE_AFTER_HOURS`). */
  staleAfterMs: number;
  /** The vendors' endpoint settings (`TRTC_API_ENDPOINT`, `SPARKRTC_API_ENDPOINT`). */
  env: ProviderEnv;
  /** No new page of recordings, and no vendor question, is started after this time (ms); the rest wait for the next run. */
  deadline: number;
  /** Each vendor query's whole budget. */
  vendorTimeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Each vendor's query, by platform; the providers' own by default. */
  queries: ReadonlyMap<Platform, RecordingQuery<AppBase>>;
}

export interface SweepReport {
  readonly apps: number;
  /** Stale recordings looked at. */
  readonly swept: number;
  /** Quiet periods newly noticed, each announced once as `Recording Stale`. */
  readonly noticed: number;
  readonly vendorQueries: number;
  readonly findings: Record<VendorStatus, number>;
  /** Apps whose recordings could not be read or queued, and batches of answers not queued: retried next run. */
  readonly failures: number;
  /** The deadline came before every stale recording was noticed and every vendor question asked. */
  readonly stoppedEarly: boolean;
  readonly durationMs: number;
}

const DEFAULT_VENDOR_TIMEOUT_MS = 5_000;

/** A stale recording the vendor is to be asked about, with its app's query and pace. */
interface Question {
  readonly app: AppConfig;
  readonly query: RecordingQuery<AppBase>;
  readonly pace: () => Promise<void>;
  readonly candidate: SweepCandidate;
}

/** Vendor queries in flight at once, across apps; each app keeps its own pace. */
const QUESTIONS_AT_ONCE = 50;

/**
 * One run of the lost-callback sweep (README, "Lost callbacks"), in two passes so that slow vendors never delay
 * an announcement:
 * 1. for every configured app, each stale recording's quiet period is noticed once (cheap: reads
 *    and queued notices), and the recordings worth asking a vendor about are collected;
 * 2. with the time left, the vendors are asked, first about recordings not asked in this quiet
 *    period, then again about those last found `alive` or `unknown`, longest unasked first.
 * Every answer, errors included, is queued as a fact; a vendor that fails or is slow only makes that
 * recording `unknown` until the next run.
 */
export async function sweepStaleRecordings(options: SweepOptions): Promise<SweepReport> {
  const now = options.now ?? Date.now;
  const run: SweepRun = {
    options,
    now,
    pastDeadline: () => now() >= options.deadline,
    tally: newTally(),
  };
  const startedAt = now();
  const apps = shuffled(options.apps.list());
  const questions = await noticeStaleRecordings(apps, startedAt - options.staleAfterMs, run);
  await askVendors(questions, run);
  const { tally } = run;
  if (tally.stoppedEarly) options.countOutcome(OUTCOME_METRICS.sweepStoppedEarly, {});
  const report: SweepReport = { apps: apps.length, ...tally, durationMs: now() - startedAt };
  options.logger.info('sweep finished', { ...report });
  return report;
}

/** What one run has done so far; every pass adds to it. */
interface SweepTally {
  swept: number;
  noticed: number;
  vendorQueries: number;
  readonly findings: Record<VendorStatus, number>;
  failures: number;
  stoppedEarly: boolean;
}

const newTally = (): SweepTally => ({
  swept: 0,
  noticed: 0,
  vendorQueries: 0,
  findings: { unknown: 0, alive: 0, ended: 0, failed: 0 },
  failures: 0,
  stoppedEarly: false,
});

interface SweepRun {
  readonly options: SweepOptions;
  readonly now: () => number;
  /** True once the run must stop starting new work; it records that the run stopped early. */
  readonly pastDeadline: () => boolean;
  readonly tally: SweepTally;
}

function recordFailure({ options, tally }: SweepRun, app: AppConfig, message: string, error: unknown): void {
  tally.failures += 1;
  options.countOutcome(OUTCOME_METRICS.sweepFailed, { platform: app.platform });
  options.logger.error(message, {
    platform: app.platform,
    appId: app.appId,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
}

function stopIfPastDeadline(run: SweepRun): boolean {
  if (run.pastDeadline()) run.tally.stoppedEarly = true;
  return run.tally.stoppedEarly;
}

/**
 * Pass 1: every stale recording of every app gets its quiet period noticed once (reads and queued
 * notices, no vendor call). Returns the recordings worth asking a vendor about, in asking order.
 */
async function noticeStaleRecordings(
  apps: readonly AppConfig[],
  staleBefore: number,
  run: SweepRun,
): Promise<Question[]> {
  const { options, tally } = run;
  const { queries } = options;
  const questions: Question[] = [];
  for (const app of apps) {
    if (stopIfPastDeadline(run)) break;
    const query = queries.get(app.platform);
    const askable = query?.canQuery(app) === true ? query : undefined;
    const pace = askable && pacer(askable.maxCallsPerSecond, run.now, options.sleep);
    const counts = { swept: 0, noticed: 0, toAsk: 0 };
    try {
      for await (const page of options.source.staleRecordings(app.platform, app.appId, staleBefore)) {
        if (stopIfPastDeadline(run)) break;
        const notices = page.filter((candidate) => !candidate.noticed).map(staleNotice);
        await options.queue.send(notices);
        counts.swept += page.length;
        counts.noticed += notices.length;
        if (askable && pace) {
          const worth = page.filter(worthAsking);
          questions.push(...worth.map((candidate) => ({ app, query: askable, pace, candidate })));
          counts.toAsk += worth.length;
        }
      }
    } catch (error) {
      recordFailure(run, app, 'app not swept; tried again next run', error);
    }
    tally.swept += counts.swept;
    tally.noticed += counts.noticed;
    if (counts.swept > 0) options.logger.info('app swept', { platform: app.platform, appId: app.appId, ...counts });
  }
  return questions.sort(byAskingOrder);
}

const staleNotice = (candidate: SweepCandidate): SweepMessage => ({
  version: 1,
  kind: 'stale',
  ...candidate.key,
  quietSince: candidate.quietSince,
});

/**
 * Pass 2: with the time left, the vendors are asked, `QUESTIONS_AT_ONCE` at a time, each app at its
 * own pace; each batch of answers is queued as facts.
 */
async function askVendors(questions: readonly Question[], run: SweepRun): Promise<void> {
  const { options, tally } = run;
  for (let start = 0; start < questions.length && !tally.stoppedEarly; start += QUESTIONS_AT_ONCE) {
    const answers = await Promise.all(
      questions.slice(start, start + QUESTIONS_AT_ONCE).map(async (question) => {
        await question.pace();
        if (stopIfPastDeadline(run)) return undefined;
        return { question, message: await ask(question, options, run.now) };
      }),
    );
    const asked = answers.filter((answer) => answer !== undefined);
    for (const { question, message } of asked) recordAnswer(run, question, message.finding);
    try {
      await options.queue.send(asked.map(({ message }) => message));
    } catch (error) {
      // The answers are lost, not the recordings: they are still stale, and asked again next run.
      const [first] = asked;
      if (first) recordFailure(run, first.question.app, 'vendor answers not queued; asked again next run', error);
    }
  }
}

function recordAnswer({ options, tally }: SweepRun, question: Question, answer: VendorFinding): void {
  tally.vendorQueries += 1;
  tally.findings[answer.vendorStatus] += 1;
  options.countOutcome(OUTCOME_METRICS.sweepQuery, {
    platform: question.app.platform,
    vendorStatus: answer.vendorStatus,
  });
  if (answer.vendorStatus === 'unknown') {
    options.logger.warn('vendor gave no answer; asked again next run', {
      ...question.candidate.key,
      detail: answer.detail,
    });
  }
}

/** Not asked in this quiet period first; then the longest unasked. */
function byAskingOrder(a: Question, b: Question): number {
  const askedAt = ({ candidate }: Question) => answerThisPeriod(candidate)?.checkedAt ?? -1;
  return askedAt(a) - askedAt(b);
}

/** The vendor's answer, as the fact to queue. */
async function ask(
  { query, app, candidate }: Question,
  options: SweepOptions,
  now: () => number,
): Promise<ReconciliationMessage> {
  const checkedAt = now();
  return {
    version: 1,
    kind: 'reconciliation',
    ...candidate.key,
    quietSince: candidate.quietSince,
    checkedAt,
    finding: await askVendor(query, app, candidate, options, now),
  };
}

/** Asked again until the vendor says the task ended or failed in this quiet period. */
function worthAsking(candidate: SweepCandidate): boolean {
  const answer = answerThisPeriod(candidate);
  return answer === undefined || answer.vendorStatus === 'alive' || answer.vendorStatus === 'unknown';
}

/** The vendor's answer in the candidate's current quiet period, if it was asked in it. */
function answerThisPeriod({ reconciliation, quietSince }: SweepCandidate): KnownReconciliation | undefined {
  return reconciliation !== null && reconciliation.quietSince === quietSince ? reconciliation : undefined;
}

/** A query that throws despite its contract is an `unknown` answer too: one vendor never stops the sweep. */
async function askVendor(
  query: RecordingQuery<AppBase>,
  app: AppConfig,
  candidate: SweepCandidate,
  options: SweepOptions,
  now: () => number,
): Promise<VendorFinding> {
  try {
    return await query.query(app, candidate.key.taskId, {
      env: options.env,
      now,
      timeoutMs: options.vendorTimeoutMs ?? DEFAULT_VENDOR_TIMEOUT_MS,
      fetch: options.fetch ?? fetch,
    });
  } catch (error) {
    return finding('unknown', error instanceof Error ? error.name : 'error');
  }
}

/**
 * Spaces the start of calls to at most `perSecond`: the vendors limit per account and API (TRTC:
 * 20 per second), and a sweep must leave room for the app's own calls.
 */
function pacer(perSecond: number, now: () => number, sleep = defaultSleep): () => Promise<void> {
  const interval = 1000 / perSecond;
  let next = 0;
  return async () => {
    const slot = Math.max(now(), next);
    next = slot + interval;
    const wait = slot - now();
    if (wait > 0) await sleep(wait);
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Apps in a random order each run, so that a run cut short by its deadline does not always leave the same ones. */
function shuffled<T>(items: readonly T[]): T[] {
  const order = [...items];
  for (let index = order.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [order[index], order[other]] = [order[other] as T, order[index] as T];
  }
  return order;
}
