// Imported first by bench/run.ts, before any module that builds the shared logger or metrics
// instance: stdout carries the report only, and per-request log and metric lines (their cost is
// the host's stdout, not ours) stay out of the timings.
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
