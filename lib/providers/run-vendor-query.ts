import type { SecretSet } from '../config/secrets';
import { type JsonObject, parseJsonObject } from '../json';
import { finding, type VendorFinding } from '../model/reconciliation';
import type { AppBase, ProviderEnv, RecordingQuery, VendorQueryContext } from './provider';

/** A vendor's HTTP answer, its body read within the query's time budget. */
export interface VendorHttpAnswer {
  readonly status: number;
  readonly text: string;
}

export interface VendorHttpRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export type SendVendorRequest = (url: string, request: VendorHttpRequest) => Promise<VendorHttpAnswer>;

/**
 * Ends a query with an `unknown` finding. Its detail is one of a few fixed words, never an error
 * message, which could quote a URL, a header or the vendor's text.
 */
export class VendorQueryFailure extends Error {
  constructor(readonly detail: 'network error' | 'bad answer' | 'bad endpoint') {
    super(detail);
    this.name = 'VendorQueryFailure';
  }
}

/**
 * Runs one vendor query (README, "Lost callbacks"): every request it sends shares one time budget, and it never
 * throws. A timeout, a network error, an unreadable answer or a bug becomes an `unknown` finding.
 */
export async function runVendorQuery(
  context: VendorQueryContext,
  ask: (send: SendVendorRequest) => Promise<VendorFinding>,
): Promise<VendorFinding> {
  const signal = AbortSignal.timeout(context.timeoutMs);
  const send: SendVendorRequest = async (url, request) => {
    try {
      const response = await context.fetch(url, { ...request, signal });
      return { status: response.status, text: await response.text() };
    } catch (cause) {
      if (signal.aborted) throw cause;
      throw new VendorQueryFailure('network error');
    }
  };
  try {
    return await ask(send);
  } catch (error) {
    if (signal.aborted) return finding('unknown', 'timeout');
    if (error instanceof VendorQueryFailure) return finding('unknown', error.detail);
    return finding('unknown', 'query error');
  }
}

/** What a vendor's own part of a query starts from, once the shared prologue has run. */
export interface VendorQueryStart<A extends AppBase, C> {
  readonly app: A;
  readonly taskId: string;
  /** The app's API credentials, as the vendor's `credentials` found them. */
  readonly credentials: C;
  /** The first of the signing secrets, revealed. */
  readonly secret: string;
  /** The vendor API's base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly context: VendorQueryContext;
  readonly send: SendVendorRequest;
}

/** One vendor's task query, as `vendorRecordingQuery` assembles it. */
export interface VendorQuerySpec<A extends AppBase, C> {
  /** Calls per second the sweep allows itself per app. */
  readonly maxCallsPerSecond: number;
  /** The app's API credentials and the secrets that sign a query; undefined when it has none. */
  credentials(app: A): { readonly credentials: C; readonly secrets: SecretSet } | undefined;
  /** Why the vendor's API cannot address this task id (the finding's detail), or undefined when it can. */
  refuseTaskId?(taskId: string): string | undefined;
  /** The API's base URL (`vendorBaseUrl`, or the app's own); a `VendorQueryFailure` when it is unusable. */
  baseUrl(env: ProviderEnv, credentials: C): string;
  /** The vendor's own requests and reading of the answers. */
  ask(start: VendorQueryStart<A, C>): Promise<VendorFinding>;
}

/**
 * A `RecordingQuery` from a vendor's own parts, with the prologue every query shares: an app without
 * credentials cannot be queried (`no api credentials`), the first secret signs, a task id the API
 * cannot address is refused, and the base URL is resolved; all within `runVendorQuery`'s budget.
 */
export function vendorRecordingQuery<A extends AppBase, C>(spec: VendorQuerySpec<A, C>): RecordingQuery<A> {
  return {
    maxCallsPerSecond: spec.maxCallsPerSecond,
    canQuery: (app) => spec.credentials(app) !== undefined,
    query: (app, taskId, context) =>
      runVendorQuery(context, async (send) => {
        const found = spec.credentials(app);
        if (!found) return finding('unknown', 'no api credentials');
        const [secret = ''] = found.secrets.reveal();
        const refusal = spec.refuseTaskId?.(taskId);
        if (refusal !== undefined) return finding('unknown', refusal);
        const baseUrl = spec.baseUrl(context.env, found.credentials);
        return spec.ask({ app, taskId, credentials: found.credentials, secret, baseUrl, context, send });
      }),
  };
}

/** The answer as a JSON object, parsed losslessly, or a `bad answer` failure. */
export function readJsonAnswer(text: string): JsonObject {
  try {
    return parseJsonObject(text);
  } catch {
    throw new VendorQueryFailure('bad answer');
  }
}

/** A vendor's base URL from the environment (`TRTC_API_ENDPOINT`, …), or its public host; no trailing slash. */
export function vendorBaseUrl(env: ProviderEnv, name: string, fallback: string): string {
  const text = env[name] || fallback;
  if (!URL.canParse(text)) throw new VendorQueryFailure('bad endpoint');
  return text.replace(/\/+$/, '');
}

/**
 * Whether a vendor's error code can go into a finding's detail as it is: an identifier such as
 * `ResourceNotFound.TaskNotExist`, `APIGW.0301` or `not_found`, never free text.
 */
export function isVendorCode(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9_.]{0,79}$/.test(value);
}

/** A top-level error code of a vendor's error answer (`error_code`, Twirp's `code`), when it is one. */
export function readErrorCode(text: string, key: string): string | undefined {
  try {
    const code = parseJsonObject(text)[key];
    return isVendorCode(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** `HTTP 502`, with the vendor's error code when its answer names one. */
export function httpFailure(status: number, code: string | undefined): VendorFinding {
  return finding('unknown', code === undefined ? `HTTP ${status}` : `HTTP ${status} ${code}`);
}
