import type { SweepCandidate } from '../adapters/recording-store';
import type { AppConfig, AppDirectory } from '../config/apps';
import { type CountOutcome, OUTCOME_METRICS } from '../metrics';
import { finding, type VendorFinding, type VendorStatus } from '../model/reconciliation';
import type { SweepMessage } from '../model/sweep-message';
import type { Platform } from '../platforms';
import type { AppBase, ProviderEnv, RecordingQuery } from '../providers/provider';
import { VENDORS } from '../providers/registry';

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
  /** No new page of recordings is started after this time (ms); the rest wait for the next run. */
  deadline: number;
  /** Each vendor query's whole budget. */
  vendorTimeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Each vendor's query, by platform; the providers' own by default. */
  queries?: ReadonlyMap<Platform, RecordingQuery<AppBase>>;
}

export interface SweepReport {
  readonly apps: number;
  /** Stale recordings looked at. */
  readonly swept: number;
  /** Quiet periods newly noticed, each announced once as `Recording Stale`. */
  readonly noticed: number;
  readonly vendorQueries: number;
  readonly findings: Record<VendorStatus, number>;
  /** Apps whose page could not be read or queued: retried next run. */
  readonly failures: number;
  /** The deadline came before every stale recording was looked at. */
  readonly stoppedEarly: boolean;
  readonly durationMs: number;
}

const DEFAULT_VENDOR_TIMEOUT_MS = 5_000;

const VENDOR_QUERIES: ReadonlyMap<Platform, RecordingQuery<AppBase>> = new Map(
  VENDORS.flatMap((vendor) =>
    vendor.recordingQuery ? [[vendor.platform, vendor.recordingQuery as RecordingQuery<AppBase>] as const] : [],
  ),
);

/**
 * One run of the lost-callback sweep (CONTRACT §7). For every configured app, each stale
 * recording's quiet period is noticed once, and where the app has vendor API credentials the vendor
 * is asked about the task unless it already answered `ended` or `failed` for this period. Every
 * answer, errors included, is queued as a fact; a vendor that fails or is slow only makes that
 * recording `unknown` until the next run.
 */
export async function sweepStaleRecordings(options: SweepOptions): Promise<SweepReport> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const staleBefore = startedAt - options.staleAfterMs;
  const queries = options.queries ?? VENDOR_QUERIES;
  const findings: Record<VendorStatus, number> = { unknown: 0, alive: 0, ended: 0, failed: 0 };
  let swept = 0;
  let noticed = 0;
  let vendorQueries = 0;
  let failures = 0;
  let stoppedEarly = false;

  const apps = rotate(options.apps.list(), startedAt);
  for (const app of apps) {
    if (stoppedEarly) break;
    const query = queries.get(app.platform);
    const askable = query?.canQuery(app) === true ? query : undefined;
    const pace = askable ? pacer(askable.maxCallsPerSecond, now, options.sleep) : undefined;
    const counts = { swept: 0, noticed: 0, queried: 0 };
    try {
      for await (const page of options.source.staleRecordings(app.platform, app.appId, staleBefore)) {
        // Checked per page: a page (at most 100 recordings, 10 s at 10 calls a second) fits in the margin.
        if (now() >= options.deadline) {
          stoppedEarly = true;
          break;
        }
        const messages = (
          await Promise.all(
            page.map(async (candidate): Promise<SweepMessage[]> => {
              const notice: SweepMessage[] = candidate.noticed
                ? []
                : [{ version: 1, kind: 'stale', ...candidate.key, quietSince: candidate.quietSince }];
              if (!askable || !pace || !worthAsking(candidate)) return notice;
              await pace();
              const checkedAt = now();
              const answer = await askVendor(askable, app, candidate, options, now);
              counts.queried += 1;
              findings[answer.vendorStatus] += 1;
              options.countOutcome(OUTCOME_METRICS.sweepQuery, {
                platform: app.platform,
                vendorStatus: answer.vendorStatus,
              });
              if (answer.vendorStatus === 'unknown') {
                options.logger.warn('vendor gave no answer; asked again next run', {
                  ...candidate.key,
                  detail: answer.detail,
                });
              }
              return [
                ...notice,
                {
                  version: 1,
                  kind: 'reconciliation',
                  ...candidate.key,
                  quietSince: candidate.quietSince,
                  checkedAt,
                  finding: answer,
                },
              ];
            }),
          )
        ).flat();
        await options.queue.send(messages);
        counts.swept += page.length;
        counts.noticed += messages.filter((message) => message.kind === 'stale').length;
      }
    } catch (error) {
      failures += 1;
      options.countOutcome(OUTCOME_METRICS.sweepFailed, { platform: app.platform });
      options.logger.error('app not swept; tried again next run', {
        platform: app.platform,
        appId: app.appId,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
    swept += counts.swept;
    noticed += counts.noticed;
    vendorQueries += counts.queried;
    if (counts.swept > 0) {
      options.logger.info('app swept', { platform: app.platform, appId: app.appId, ...counts });
    }
  }
  const report = {
    apps: apps.length,
    swept,
    noticed,
    vendorQueries,
    findings,
    failures,
    stoppedEarly,
    durationMs: now() - startedAt,
  };
  options.logger.info('sweep finished', { ...report });
  return report;
}

/** Asked again until the vendor says the task ended or failed in this quiet period. */
function worthAsking({ reconciliation, quietSince }: SweepCandidate): boolean {
  if (reconciliation === null || reconciliation.quietSince !== quietSince) return true;
  return reconciliation.vendorStatus === 'alive' || reconciliation.vendorStatus === 'unknown';
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

/** A different first app each minute, so that a run cut short by its deadline does not always skip the same apps. */
function rotate<T>(items: readonly T[], now: number): T[] {
  if (items.length === 0) return [];
  const start = Math.floor(now / 60_000) % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
