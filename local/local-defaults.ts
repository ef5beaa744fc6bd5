/**
 * Defaults of the local stack that must be set before any handler module loads: imported first by
 * local/start.ts, because ES modules evaluate their imports before their own body, and Powertools
 * reads POWERTOOLS_METRICS_DISABLED when `new Metrics()` runs at import.
 */
// No CloudWatch here: EMF metric lines would only clutter the terminal. POWERTOOLS_METRICS_DISABLED=false shows them.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
