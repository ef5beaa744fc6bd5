import type { Logger } from '@aws-lambda-powertools/logger';
import type { LoadApps } from '../config/load-apps';
import {
  AppsUnavailableError,
  BadRequestError,
  CallbackError,
  PayloadTooLargeError,
  QueueUnavailableError,
} from '../errors';
import { type HttpAnswer, jsonAnswer } from '../http/answer';
import { type CallbackRequest, type IncomingCallback, lowerCaseHeaders, parseQuery } from '../http/callback-request';
import { type JsonObject, parseJsonObject } from '../json';
import { type CountOutcome, OUTCOME_METRICS } from '../metrics';
import { withinBounds } from '../model/input-bounds';
import type { QueuedCallback } from '../model/queued-callback';
import { isEndpoint } from '../platforms';
import type { Provider, ProviderRegistry } from '../providers/provider';

/** README, "Routes and answers": a body over 256 KiB is refused with 413, before any signature work. */
export const MAX_BODY_BYTES = 256 * 1024;
/** Far above what any vendor sends (a few hundred bytes); checked before any signature work. */
export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_QUERY_BYTES = 8 * 1024;

/** Where ingest puts a verified callback (the SQS callback queue in AWS and locally). */
export interface CallbackQueue {
  /** Resolves only once the message is durably queued; throws `QueueUnavailableError` otherwise. */
  send(callback: QueuedCallback): Promise<void>;
}

export interface IngestDependencies {
  providers: ProviderRegistry;
  loadApps: LoadApps;
  queue: CallbackQueue;
  logger: Logger;
  countOutcome: CountOutcome;
}

export type IngestOutcome = 'queued' | 'unmodelled' | 'rejected' | 'not_found';

export interface IngestResult {
  answer: HttpAnswer;
  outcome: IngestOutcome;
}

/**
 * Verifies one callback, queues it, and answers in the vendor's shape (README, "Routes and answers"). The answer is
 * a success only after the queue confirmed the message; every failure maps to its status here.
 */
export async function handleCallback(input: IncomingCallback, deps: IngestDependencies): Promise<IngestResult> {
  const provider = isEndpoint(input.endpoint) ? deps.providers.get(input.endpoint) : undefined;
  if (!provider) {
    return { outcome: 'not_found', answer: jsonAnswer(404, { message: 'Not Found' }) };
  }
  const log = { route: provider.endpoint, ms: 0, appId: undefined as string | undefined };
  try {
    const request = decodeRequest(input, provider);
    let parsed: JsonObject | undefined;
    const body = () => {
      parsed ??= parseJsonObject(request.body);
      return parsed;
    };
    const apps = await deps.loadApps().catch((cause: unknown) => {
      // Our configuration, not the vendor's request, is at fault: ask the vendor to retry.
      deps.logger.error('apps document unavailable', { error: (cause as Error).message });
      throw new AppsUnavailableError({ cause });
    });
    const app = provider.authenticate(request, { apps, body });
    log.appId = app.appId;
    const interpretation = withinBounds(provider.interpret({ appId: app.appId, query: request.query, body: body() }));
    if (interpretation.kind === 'unmodelled') {
      log.ms = Date.now() - input.receivedAt;
      deps.logger.info('callback acknowledged, not modelled', {
        ...log,
        outcome: 'unmodelled',
        label: interpretation.label,
      });
      deps.countOutcome(OUTCOME_METRICS.unmodelled, { endpoint: provider.endpoint });
      return { outcome: 'unmodelled', answer: provider.answer(null) };
    }
    await deps.queue.send({
      version: 1,
      endpoint: provider.endpoint,
      appId: app.appId,
      receivedAt: request.receivedAt,
      query: request.query,
      headers: pick(request.headers, provider.forwardedHeaders),
      body: request.body.toString('utf8'),
    });
    log.ms = Date.now() - input.receivedAt;
    deps.logger.info('callback queued', {
      ...log,
      outcome: 'queued',
      kind: interpretation.event.kind,
    });
    deps.countOutcome(OUTCOME_METRICS.accepted, { endpoint: provider.endpoint });
    return { outcome: 'queued', answer: provider.answer(null) };
  } catch (caught) {
    const error = caught instanceof CallbackError ? caught : new QueueUnavailableError({ cause: caught });
    log.ms = Date.now() - input.receivedAt;
    const fields = { ...log, outcome: 'rejected', status: error.status, code: error.code, reason: error.message };
    if (error.status >= 500) deps.logger.error('callback not accepted', { ...fields, error: describe(caught) });
    else deps.logger.warn('callback rejected', fields);
    deps.countOutcome(OUTCOME_METRICS.rejected, { endpoint: provider.endpoint, reason: error.code });
    return { outcome: 'rejected', answer: provider.answer(error) };
  }
}

function decodeRequest(input: IncomingCallback, provider: Provider): CallbackRequest {
  let headerBytes = 0;
  for (const [name, value] of Object.entries(input.headers)) {
    headerBytes += Buffer.byteLength(name) + Buffer.byteLength(value ?? '');
  }
  if (headerBytes > MAX_HEADER_BYTES) throw new BadRequestError(`headers exceed ${MAX_HEADER_BYTES} bytes`);
  if (input.rawQueryString.length > MAX_QUERY_BYTES)
    throw new BadRequestError(`query string exceeds ${MAX_QUERY_BYTES} bytes`);
  const raw = input.body ?? '';
  // Check the size implied by the encoded text first, so an oversized body is never decoded.
  const approximateBytes = input.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw);
  if (approximateBytes > MAX_BODY_BYTES + 2) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const body = input.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (body.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  return {
    endpoint: provider.endpoint,
    body,
    headers: lowerCaseHeaders(input.headers),
    query: parseQuery(input.rawQueryString),
    receivedAt: input.receivedAt,
  };
}

function pick(headers: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/** The error's class and message, never its cause chain (which may hold SDK request details). */
function describe(error: unknown): string {
  return error instanceof CallbackError && error.cause instanceof Error
    ? `${error.cause.name}: ${error.cause.message}`
    : error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
}
