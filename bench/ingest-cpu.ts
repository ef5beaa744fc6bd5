import { devKeyFor } from '../fixtures/dev-apps';
import { signTestRequest } from '../fixtures/sign-test-request';
import { median, round } from '../fixtures/stats';
import { appsSourceFromEnv, createAppsLoader } from '../lib/config/load-apps';
import { handleCallback, type IngestDependencies } from '../lib/ingest/handle-callback';
import { logger } from '../lib/logger';
import { countOutcome } from '../lib/metrics';
import { ENDPOINTS, type Endpoint } from '../lib/platforms';
import { createProviderRegistry } from '../lib/providers/registry';
import { INGEST_SAMPLES } from './ingest-samples';

export interface IngestCpuFigures {
  endpoint: Endpoint;
  /** Process CPU (user + system) per request of ingest's own work, with a queue that does nothing. */
  cpuMicrosPerRequest: number;
  requests: number;
}

const ROUNDS = 5;

/**
 * Ingest's own CPU per request: the production dependencies (registry, apps loader, logger, metrics)
 * with a no-op queue, so neither the transport nor the emulator is counted. Requests are signed
 * beforehand, as the vendor would; the median of a few rounds smooths out the shared machine.
 */
export async function measureIngestCpu(requestsPerRound: number): Promise<IngestCpuFigures[]> {
  const deps: IngestDependencies = {
    providers: createProviderRegistry(process.env),
    loadApps: createAppsLoader(appsSourceFromEnv()),
    queue: { send: async () => {} },
    logger,
    countOutcome,
  };
  const figures: IngestCpuFigures[] = [];
  for (const endpoint of ENDPOINTS) {
    const sample = INGEST_SAMPLES[endpoint];
    const key = await devKeyFor(sample);
    const requests = Array.from({ length: requestsPerRound }, () => signTestRequest(sample, { key }));
    const run = async () => {
      for (const request of requests) {
        const { answer } = await handleCallback(request, deps);
        if (answer.statusCode !== 200) throw new Error(`ingest answered ${answer.statusCode} for ${endpoint}`);
      }
    };
    await run(); // warm-up: JIT, the apps document, key caches
    const samples: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const before = process.cpuUsage();
      await run();
      const used = process.cpuUsage(before);
      samples.push((used.user + used.system) / requests.length);
    }
    figures.push({ endpoint, cpuMicrosPerRequest: round(median(samples), 1), requests: requestsPerRound * ROUNDS });
  }
  return figures;
}
