/** Settings with a default, each written once (README, "Environment variables"). */

/** `STALE_AFTER_HOURS`: an unfinished recording quiet this long is stale (README, "Lost callbacks"). */
export const DEFAULT_STALE_AFTER_HOURS = 6;
/** `RECORDING_RETENTION_DAYS`: items expire (DynamoDB TTL) this long after their last update. */
export const DEFAULT_RETENTION_DAYS = 90;
/** `SWEEP_INTERVAL_SECONDS`: the local stack's sweep timer (AWS uses the `sweepRate` schedule). */
export const DEFAULT_SWEEP_INTERVAL_SECONDS = 60;
/** `RECORDING_APPS_MAX_AGE_SECONDS`: how long a fetched apps parameter is trusted. */
export const DEFAULT_APPS_MAX_AGE_SECONDS = 300;

export const HOUR_MS = 3_600_000;
